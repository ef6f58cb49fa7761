import type { RowHistoryEntry, TableShape } from '../history/commit-row-changes.js';
import { cellForPeople } from '../history/format-row-change.js';
import type { ConflictRecord } from '../merge/conflict-file.js';
import { duplicateNumberSentence } from '../profile/duplicate-number-words.js';
import type { OpenConflicts, SchemaConflictRecord } from '../pull/conflict-store.js';
import { CONFLICT_WHAT } from '../resolve/describe-conflicts.js';
import { keyArgument } from '../resolve/key-argument.js';
import type { ResolveResult } from '../resolve/resolve-conflict.js';
import { shownCellsOf } from '../snapshot/row-line.js';
import { recordLink } from './commit-page.js';
import { html, type Html } from './html.js';
import type { PageContext } from './page-context.js';
import { shortTime } from './page-layout.js';
import { recordWords } from './record-words.js';
import { hideSecretCell, hideSecrets } from './secret-cells.js';
import { rowLinesAt } from './table-at-commit.js';

/** Conflicts shown on the page; the rest are counted (`git-dbsync conflicts` lists all). */
export const MAX_CONFLICTS_SHOWN = 100;

type Row = Readonly<Record<string, string>>;

/** A row line as cells by column name (the table's columns at HEAD), or null for no row. */
function rowOf(line: string | null, shape: TableShape): Row | null {
  if (line === null) return null;
  return Object.fromEntries(shownCellsOf(line).map((lit, i) => [shape.columns[i] ?? `#${i + 1}`, lit]));
}

/** A change from one version of the row to another, for the profile's words (recordWords). */
function entryOf(table: string, key: RowHistoryEntry['key'], before: Row | null, after: Row | null): RowHistoryEntry | null {
  if (before === null && after === null) return null;
  const kind = before === null ? 'added' : after === null ? 'deleted' : 'changed';
  const columns = [...new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})])];
  const cells = columns
    .map((column) => ({ column, before: before?.[column] ?? null, after: after?.[column] ?? null }))
    .filter((c) => kind !== 'changed' || c.before !== c.after);
  return { table, kind, key, cells, rows: { before, after } };
}

/** One conflict as the page shows it: the record, base / ours / theirs by column (secrets hidden), and each side in the profile's words. */
interface ShownConflict {
  readonly record: ConflictRecord;
  readonly keyNamed: RowHistoryEntry['key'];
  readonly columns: readonly string[];
  readonly sides: { readonly base: Row | null; readonly ours: Row | null; readonly theirs: Row | null };
  readonly words: { readonly ours?: string; readonly theirs?: string };
}

async function showConflict(ctx: PageContext, c: ConflictRecord): Promise<ShownConflict> {
  const keyOf = (cells: readonly string[], shape: TableShape) => shape.key.map((p) => cells[p]);
  const found = await rowLinesAt(
    ctx,
    'HEAD',
    c.table,
    (cells, shape) => {
      const k = keyOf(cells, shape);
      return k.length === c.keyCells.length && k.every((v, i) => v === c.keyCells[i]);
    },
    1,
  );
  const { shape } = found;
  const keyNamed: RowHistoryEntry['key'] =
    shape.key.length === c.keyCells.length ? shape.key.map((p, i) => [shape.columns[p] ?? `#${p + 1}`, c.keyCells[i]!] as const) : [];
  const now = rowOf(found.lines[0] ?? null, shape);
  let sides: ShownConflict['sides'];
  let columns: string[];
  if (c.kind === 'cell' || c.kind === 'duplicate-number') {
    // One cell: the rest of the row as the last snapshot has it (the database's row), the cell as each side had it.
    const col = c.column!;
    const at = (v: string | null) => (now ? { ...now, [col]: v ?? 'NULL' } : v === null ? null : { [col]: v });
    sides = c.kind === 'cell' ? { base: at(c.base), ours: at(c.ours), theirs: at(c.theirs) } : { base: null, ours: null, theirs: null };
    columns = [col];
  } else {
    sides = { base: rowOf(c.base, shape), ours: rowOf(c.ours, shape), theirs: rowOf(c.theirs, shape) };
    columns = shape.columns.length ? [...shape.columns] : Object.keys(sides.ours ?? sides.theirs ?? sides.base ?? {});
  }
  const hide = (r: Row | null) => (r === null ? null : hideSecrets(ctx.secretRules, c.table, r));
  sides = { base: hide(sides.base), ours: hide(sides.ours), theirs: hide(sides.theirs) };
  if (c.kind === 'cell' && c.column)
    // Conservative for a cell on its own: a secret column's value is hidden whatever rows its rule names.
    for (const k of ['base', 'ours', 'theirs'] as const) {
      const r = sides[k];
      if (r && r[c.column] !== undefined) sides = { ...sides, [k]: { ...r, [c.column]: hideSecretCell(ctx.secretRules, c.table, c.column, r[c.column]!) } };
    }
  const ours = entryOf(c.table, keyNamed, sides.base, sides.ours);
  const theirs = entryOf(c.table, keyNamed, sides.base, sides.theirs);
  const described = await recordWords(
    ctx,
    'HEAD',
    [ours, theirs].filter((e) => e !== null),
  );
  const words = {
    ...(ours && described.get(ours) ? { ours: described.get(ours)! } : {}),
    ...(theirs && described.get(theirs) ? { theirs: described.get(theirs)! } : {}),
  };
  return { record: c, keyNamed, columns, sides, words };
}

function keyText(s: ShownConflict): string {
  return s.keyNamed.length ? s.keyNamed.map(([col, v]) => `${col}=${cellForPeople(v)}`).join(', ') : s.record.keyCells.map((v) => cellForPeople(v)).join(', ');
}

/** A form that posts one choice to /resolve (the token cookie and the page's CSRF token go with it). */
function resolveForm(csrf: string, c: ConflictRecord | SchemaConflictRecord, choice: 'ours' | 'theirs' | 'value', label: string, column: string | null): Html {
  const key = 'keyCells' in c ? keyArgument(c.keyCells) : '';
  return html`<form method="post" action="/resolve" class="resolve">
<input type="hidden" name="csrf" value="${csrf}"><input type="hidden" name="table" value="${c.table}"><input type="hidden" name="key" value="${key}">${
    column ? html`<input type="hidden" name="column" value="${column}">` : ''
  }<input type="hidden" name="choice" value="${choice}">${
    choice === 'value' ? html`<input name="value" required placeholder="a value (NULL: no value)" size="18"> ` : ''
  }<button type="submit" data-choice="${choice}">${label}</button></form>`;
}

/** The command that does the same (shown when the page may not write). */
function resolveCommand(c: ConflictRecord): string {
  const arg = keyArgument(c.keyCells);
  const quoted = /^[A-Za-z0-9_.:@%+=-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
  const column = c.kind === 'cell' || c.kind === 'duplicate-number' ? ` --column ${c.column}` : '';
  const choice = c.kind === 'duplicate-number' ? '--ours' : `--ours|--theirs${c.kind === 'cell' ? '|--value V' : ''}`;
  return `git-dbsync resolve ${c.table} ${quoted}${column} ${choice}`;
}

function conflictSection(s: ShownConflict, csrf: string | null): Html {
  const c = s.record;
  const link = s.keyNamed.length ? recordLink({ table: c.table, key: s.keyNamed }) : null;
  const title = html`${c.table} ${keyText(s)}${c.column ? html` · column <code>${c.column}</code>` : ''}`;
  const kept = (side: 'ours' | 'theirs') => (c.kept === side ? html` <strong class="kept">the database has this</strong>` : '');
  const cell = (r: Row | null, col: string) =>
    r === null ? html`<td class="none">(no row)</td>` : html`<td data-column="${col}">${cellForPeople(r[col] ?? null)}</td>`;
  const differs = (col: string) => new Set([s.sides.base?.[col], s.sides.ours?.[col], s.sides.theirs?.[col]]).size > 1;
  const body =
    c.kind === 'duplicate-number'
      ? html`<p>${duplicateNumberSentence(c)}. Both rows are kept.</p>`
      : html`<div class="scroll"><table class="sides"><thead><tr><th>column</th><th>base (before both)</th><th>ours (${c.oursCommit.slice(0, 12)})${kept('ours')}</th><th>theirs (${c.theirsCommit.slice(0, 12)})${kept('theirs')}</th></tr></thead><tbody>${s.columns.map(
          (col) =>
            html`<tr class="${differs(col) ? 'differs' : ''}"><th>${col}</th>${cell(s.sides.base, col)}${cell(s.sides.ours, col)}${cell(s.sides.theirs, col)}</tr>`,
        )}</tbody></table></div>`;
  const words =
    s.words.ours || s.words.theirs
      ? html`<ul class="words">${s.words.ours ? html`<li>ours: ${s.words.ours}</li>` : ''}${s.words.theirs ? html`<li>theirs: ${s.words.theirs}</li>` : ''}</ul>`
      : '';
  const column = c.kind === 'cell' || c.kind === 'duplicate-number' ? c.column : null;
  const actions = csrf
    ? c.kind === 'duplicate-number'
      ? html`<div class="actions">${resolveForm(csrf, c, 'ours', 'Renumbered: close it', column)}</div>`
      : html`<div class="actions">${resolveForm(csrf, c, 'ours', 'Keep ours', column)}${resolveForm(csrf, c, 'theirs', 'Keep theirs', column)}${
          c.kind === 'cell' ? resolveForm(csrf, c, 'value', 'Write this value', column) : ''
        }</div>`
    : html`<p class="muted">To close it: <code>${resolveCommand(c)}</code> (or start the page with <code>--allow-restore</code>)</p>`;
  return html`<section class="conflict" data-table="${c.table}" data-key="${keyArgument(c.keyCells)}" data-kind="${c.kind}"${column ? html` data-column="${column}"` : ''}>
<h2>${link ? html`<a href="${link}">${title}</a>` : title}</h2>
<p>${CONFLICT_WHAT[c.kind]} (merged <time datetime="${c.mergedAt}">${shortTime(c.mergedAt)}</time>).</p>
${words}${body}${actions}
</section>`;
}

function schemaSection(s: SchemaConflictRecord, csrf: string | null): Html {
  return html`<section class="conflict" data-table="${s.table}" data-kind="schema">
<h2>Table ${s.table} not merged</h2>
<p>${s.reason}; the database has ${s.kept === 'ours' ? "the merging computer's" : "the other computer's"} table (ours ${s.oursCommit.slice(0, 12)}, theirs ${s.theirsCommit.slice(0, 12)}).</p>
${csrf ? html`<div class="actions">${resolveForm(csrf, s, s.kept, `Settled: keep ${s.kept}`, null)}</div>` : html`<p class="muted">Once settled: <code>git-dbsync resolve ${s.table} --${s.kept}</code></p>`}
</section>`;
}

/**
 * The open conflicts of the last commit (two-way mode), as `git-dbsync conflicts` lists them, one
 * section each: the record (in the profile's words where it knows the table), base / ours / theirs
 * side by side by column, and (when the page may write) the buttons of `git-dbsync resolve`.
 */
export async function conflictsBody(ctx: PageContext, open: OpenConflicts, csrf: string | null): Promise<Html> {
  const n = open.rows.length + open.schema.length;
  if (n === 0) return html`<p class="empty" id="no-conflicts">No open conflicts.</p>`;
  const shown: ShownConflict[] = [];
  for (const c of open.rows.slice(0, MAX_CONFLICTS_SHOWN)) shown.push(await showConflict(ctx, c));
  return html`<p id="conflict-count">${n} open conflict(s). "Ours" is what the computer that made the merge had, "theirs" what it pulled; the database keeps one of them until you choose.${
    csrf ? '' : ' This page only reads: start it with --allow-restore (or DBSYNC_UI_ALLOW_RESTORE=1) to resolve here.'
  }</p>
${shown.map((s) => conflictSection(s, csrf))}
${open.rows.length > MAX_CONFLICTS_SHOWN ? html`<p class="muted">... and ${open.rows.length - MAX_CONFLICTS_SHOWN} more: <code>git-dbsync conflicts</code> lists them all.</p>` : ''}
${open.schema.map((s) => schemaSection(s, csrf))}`;
}

/** What a resolution did, as `git-dbsync resolve` prints it. */
export function resolvedBody(r: ResolveResult): Html {
  const status = r.push?.status;
  const pushed = status === 'pushed' ? `; ${r.push!.message}` : status === 'failed' || status === 'diverged' ? `; NOT PUSHED: ${r.push!.message}` : '';
  return html`<p id="resolved">${r.subject}; ${r.changed ? 'the database now has it' : 'the database already had it'}${
    r.commit ? html`; committed <a href="/commit/${r.commit}">${r.commit.slice(0, 12)}</a>` : ''
  }${pushed}.</p>
<p><a href="/conflicts">The open conflicts</a></p>`;
}
