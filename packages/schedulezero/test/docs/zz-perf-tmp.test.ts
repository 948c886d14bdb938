import { it } from 'vitest';
import { searchDocs } from '../../src/docs/build/search.js';
import { createMarkdown, renderMarkdown } from '../../src/docs/markdown.js';
it('perf', () => {
  const md = createMarkdown();
  const src = '# T\n\n' + Array.from({ length: 30 }, (_, i) => `## Sec ${i}\n\nSome **text** with \`code\` & [link](x.md) here.\n\n- a\n- b\n\n\`\`\`js\nconst x = 1 < 2;\n\`\`\`\n`).join('\n');
  const html = renderMarkdown(md, src, { file: 'x.md' }).html;
  for (let r = 0; r < 3; r++) {
    const t = performance.now();
    for (let i = 0; i < 1000; i++) searchDocs({ location: `p${i}/`, title: 'T', html });
    console.log('ms', performance.now() - t);
  }
});
