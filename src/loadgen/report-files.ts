import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { htmlReport } from './html-report.js';
import type { LoadReport } from './report.js';

/** Writes report.json and report.html into `outDir` (created if needed); returns their paths. */
export async function writeReportFiles(report: LoadReport, outDir: string): Promise<{ jsonPath: string; htmlPath: string }> {
  const dir = resolve(outDir);
  await mkdir(dir, { recursive: true });
  const jsonPath = join(dir, 'report.json');
  const htmlPath = join(dir, 'report.html');
  await writeFile(jsonPath, `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(htmlPath, htmlReport(report));
  return { jsonPath, htmlPath };
}
