/**
 * Debian's headless Chromium (/usr/bin/chromium) for browser tests, driven by playwright-core
 * against the system binary (no browser download), and the folder their screenshots go to.
 */
import { mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { tempDir } from './project.js';

export const CHROMIUM = '/usr/bin/chromium';

/** Where screenshots go: DBSYNC_ARTEFACTS_DIR/<name>, or a new folder in the system's temporary folder (kept after the run). */
export function artefactDir(name: string): string {
  const base = process.env.DBSYNC_ARTEFACTS_DIR;
  const dir = base ? path.join(base, name) : path.join(os.tmpdir(), `git-dbsync-artefacts-${name}-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** A headless Chromium with a fresh profile and one page; `close` ends it. */
export async function launchChromium(viewport = { width: 1280, height: 1000 }): Promise<{ page: Page; close: () => Promise<void> }> {
  const { chromium } = await import('playwright-core');
  const context = await chromium.launchPersistentContext(tempDir('dbsync-chromium-'), {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return { page, close: () => context.close() };
}
