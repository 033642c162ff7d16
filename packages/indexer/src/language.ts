import { porterStem } from './stemmer-english.js';

/** How one index language turns a lower-cased token into a term, and which tokens it drops. */
export interface Language {
  name: string;
  stem: (term: string) => string;
  stopwords: ReadonlySet<string>;
}

const ENGLISH_STOPWORDS = new Set(
  (
    'a an and are as at be but by for if in into is it no not of on or such that the their then there ' +
    'these they this to was will with'
  ).split(' '),
);

const languages = new Map<string, Language>([
  ['english', { name: 'english', stem: porterStem, stopwords: ENGLISH_STOPWORDS }],
  ['none', { name: 'none', stem: (t) => t, stopwords: new Set() }],
]);

/** Names of the languages an index can use. */
export function languageNames(): string[] {
  return [...languages.keys()];
}

/** The language called `name`, or undefined. */
export function getLanguage(name: string): Language | undefined {
  return languages.get(name);
}

/** Adds a language (a stemmer and stopwords) that indexes can then name in their schema. */
export function registerLanguage(lang: Language): void {
  languages.set(lang.name, lang);
}
