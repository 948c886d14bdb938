/** ScheduleZero's docs builder, timed in this process (warm) and in a fresh `node` (cold). */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { buildDocs } from 'schedulezero/docs';
import { preciseNow } from '../stats.js';

export interface SzBuild {
  /** Wall time seen by the caller: the in-process call, or spawn to exit of the child. */
  ms: number;
  pages: number;
  files: number;
  warnings: number;
  /** Child runs: time from process start until 'schedulezero/docs' was imported. */
  startupMs?: number;
  /** Only in-process runs keep the texts, to show a few. */
  warningTexts: string[];
}

/** One build in this process. buildDocs keeps no cache between calls: every run does the whole work. */
export async function buildInProcess(source: string, outDir: string): Promise<SzBuild> {
  const started = preciseNow();
  const report = await buildDocs(source, { outDir });
  const ms = preciseNow() - started;
  return { ms, pages: report.pages, files: report.files, warnings: report.warnings.length, warningTexts: report.warnings };
}

/** One build in a fresh `node` process, timed from spawn to exit (Node start-up and imports included). */
export function buildInChild(source: string, outDir: string): Promise<SzBuild> {
  return new Promise((resolve, reject) => {
    const script = fileURLToPath(new URL('./child.js', import.meta.url));
    const started = preciseNow();
    const child = spawn(process.execPath, [script, source, outDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', reject);
    child.once('close', (code) => {
      const ms = preciseNow() - started;
      if (code !== 0) return reject(new Error(`ScheduleZero docs build child exited with ${code}: ${stderr.trim()}`));
      try {
        const report = JSON.parse(stdout) as { pages: number; files: number; warnings: number; startupMs: number };
        resolve({ ms, pages: report.pages, files: report.files, warnings: report.warnings, startupMs: report.startupMs, warningTexts: [] });
      } catch {
        reject(new Error(`ScheduleZero docs build child printed no report: ${stdout.trim()} ${stderr.trim()}`));
      }
    });
  });
}
