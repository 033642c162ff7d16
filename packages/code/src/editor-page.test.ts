import vm from 'node:vm';
import { expect, it } from 'vitest';
import { editorPage } from './editor-page.js';

it('the editor page script parses (escapes inside the template literal survive)', () => {
  const html = editorPage();
  const m = /<script>([\s\S]*)<\/script>/.exec(html);
  expect(m).not.toBeNull();
  expect(() => new vm.Script(m![1]!)).not.toThrow();
  expect(html).toContain('<textarea id="editor"');
});
