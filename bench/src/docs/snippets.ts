/**
 * Fenced code blocks in the languages a scheduler's docs would show, varied by the PRNG so that
 * no two pages hold the same block (a builder could otherwise cache highlighted blocks).
 */
import type { Random } from './random.js';
import { identifiers, nouns, topics } from './words.js';

export const languages = ['python', 'yaml', 'bash', 'typescript', 'json'] as const;
export type Language = (typeof languages)[number];

function python(r: Random): string[] {
  const [a, b, c] = r.sample(identifiers, 3);
  const fn = `${r.pick(nouns)}_${r.pick(nouns)}`;
  return [
    'from datetime import timedelta',
    '',
    `def ${fn}(client, ${a}: int = ${r.int(1, 60)}) -> dict:`,
    `    """Schedules the ${r.pick(topics)} job and returns its first run."""`,
    `    job = client.create(name="${fn}", ${b}=${a}, ${c}=timedelta(seconds=${r.int(5, 900)}))`,
    `    if job["state"] != "active":`,
    `        raise RuntimeError(f"unexpected state {job['state']}")`,
    `    return job["runs"][${r.int(0, 3)}]`,
  ];
}

function yaml(r: Random): string[] {
  const [a, b, c] = r.sample(identifiers, 3);
  return [
    'jobs:',
    `  - name: ${r.pick(nouns)}-${r.int(1, 999)}`,
    `    cron: "${r.int(0, 59)} ${r.int(0, 23)} * * ${r.int(0, 6)}"`,
    `    ${a}: ${r.int(1, 100)}`,
    `    ${b}: ${r.chance(0.5) ? 'true' : 'false'}`,
    `    ${c}:`,
    `      - ${r.pick(topics).replace(' ', '-')}`,
    `      - ${r.pick(topics).replace(' ', '-')}`,
  ];
}

function bash(r: Random): string[] {
  const n = r.pick(nouns);
  return [
    `# Create a ${n} and follow its runs`,
    `export SZ_URL=http://localhost:${r.int(3000, 9000)}`,
    `schedulezero ${n} create --name ${n}-${r.int(1, 999)} --cron '*/${r.int(2, 30)} * * * *'`,
    `schedulezero runs list --${r.pick(identifiers).toLowerCase()} ${r.int(1, 50)} | grep -v succeeded`,
    `curl -s "$SZ_URL/api/${n}s?limit=${r.int(10, 100)}" | jq '.items | length'`,
  ];
}

function typescript(r: Random): string[] {
  const [a, b] = r.sample(identifiers, 2);
  const n = r.pick(nouns);
  return [
    "import { Worker } from '@schedulezero/handler';",
    '',
    `const worker = new Worker({ url: process.env.SZ_URL!, ${a}: ${r.int(1, 64)} });`,
    `worker.handle('${n}-${r.int(1, 999)}', async (run) => {`,
    `  const ${b} = run.payload.${b} ?? ${r.int(0, 500)};`,
    `  await run.log(\`processing \${${b}} ${n}s\`);`,
    `  return { ok: true, count: ${b} };`,
    '});',
    'await worker.start();',
  ];
}

function json(r: Random): string[] {
  const [a, b, c] = r.sample(identifiers, 3);
  return [
    '{',
    `  "id": "${r.pick(nouns)}-${r.int(1000, 9999)}",`,
    `  "${a}": ${r.int(0, 1000)},`,
    `  "${b}": "${r.pick(topics)}",`,
    `  "${c}": [${r.int(1, 9)}, ${r.int(10, 99)}, ${r.int(100, 999)}],`,
    `  "enabled": ${r.chance(0.5)}`,
    '}',
  ];
}

const writers: Record<Language, (r: Random) => string[]> = { python, yaml, bash, typescript, json };

export function codeBlock(r: Random, language: Language): string[] {
  return ['```' + language, ...writers[language](r), '```'];
}
