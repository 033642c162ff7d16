/** Quotes a value for /bin/sh (single quotes; embedded quotes closed and escaped). */
export function shellQuote(v: string): string {
  return `'${v.replace(/'/g, `'\\''`)}'`;
}

/** Fills `{session}` and `{repo}` in the agent command template with shell-quoted values. */
export function renderAgentCommand(template: string, vars: { session: string; repo: string }): string {
  return template.replace(/\{(session|repo)\}/g, (_, k: 'session' | 'repo') => shellQuote(vars[k]));
}

/** What the agent reads on stdin: the rendered contexts, one blank line, then the prompt. */
export function agentInput(contextText: string, prompt: string): string {
  const p = prompt.endsWith('\n') ? prompt : `${prompt}\n`;
  return contextText ? `${contextText.replace(/\n*$/, '\n')}\n${p}` : p;
}
