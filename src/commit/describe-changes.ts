import type { ChildRule, EntityRule, MessageRules } from '../profile/message-rules.js';
import type { SecretRule } from '../secrets/secret-rule.js';
import { displayText, literalText } from '../snapshot/sql-literal.js';

/** One row: column name -> the cell's SQL literal as the snapshot writes it. */
export type Row = Readonly<Record<string, string>>;

/**
 * A row that differs between the last commit and this snapshot, as cells by column: added (no
 * before), deleted (no after) or changed. (A change to apply to the database is a RowChange, src/merge.)
 */
export interface ChangedRow {
  readonly before: Row | null;
  readonly after: Row | null;
}

/** Rows of other tables, for names (a client's name) and for the entity a child row belongs to. */
export interface RowLookup {
  /**
   * Rows of `table` whose `column` holds one of `values` (as text, see literalText), by that value:
   * from this snapshot, or else from the last commit (a row deleted in this change).
   */
  rows(table: string, column: string, values: ReadonlySet<string>): Promise<ReadonlyMap<string, Row>>;
}

export interface DescribeInput {
  readonly rules: MessageRules;
  /** Changed rows per table (only tables that changed). */
  readonly changes: ReadonlyMap<string, readonly ChangedRow[]>;
  readonly lookup: RowLookup;
  /** Columns never printed (the profile's secrets), whatever the rules say. */
  readonly secrets?: readonly SecretRule[];
}

export interface ChangeDescription {
  /** Subject items in the application's words, e.g. `Invoice INV-1 (ACME Ltd): status draft -> sent`. */
  readonly items: readonly string[];
  /** Tables whose every changed row is told by `items` (the others keep their generic counts in the subject). */
  readonly covered: ReadonlySet<string>;
}

/** Keys listed in a key/value item before "and N more". */
const KEYS_SHOWN = 5;
/** Hops from a child row up to its entity (item amounts -> items -> invoice needs 2). */
const MAX_DEPTH = 4;

type Kind = 'added' | 'changed' | 'deleted';

interface EntityState {
  readonly rule: EntityRule;
  readonly order: number;
  readonly key: string;
  change: ChangedRow | null;
  /** The entity's row when it did not change itself. */
  row: Row | null;
  readonly counts: Map<string, Record<Kind, number>>;
  readonly quiet: Set<string>;
}

const kindOf = (c: ChangedRow): Kind => (c.before === null ? 'added' : c.after === null ? 'deleted' : 'changed');
const rowOf = (c: ChangedRow): Row => (c.after ?? c.before)!;

/** Text of a cell, '' for NULL and for a missing column. */
function textOf(row: Row | null | undefined, column: string): string {
  const lit = row?.[column];
  return lit === undefined ? '' : (literalText(lit) ?? '');
}

/**
 * Describe row-level changes in the application's words, following the profile's message rules.
 * Pure logic: reads rows of other tables only through `lookup`, in one batch per table and column.
 */
export async function describeChanges(input: DescribeInput): Promise<ChangeDescription> {
  const { rules, changes, lookup } = input;
  const secret = (table: string, column: string) => (input.secrets ?? []).some((s) => s.table === table && s.column === column);
  const entityRules = new Map(rules.entities.map((r, i) => [r.table, { rule: r, order: i }]));
  const childRules = new Map(rules.children.map((r) => [r.table, r]));
  const covered = new Set<string>();
  const uncovered = new Set<string>();
  const entities = new Map<string, EntityState>();
  const stateOf = (table: string, key: string): EntityState => {
    const id = `${table}\0${key}`;
    let s = entities.get(id);
    if (!s) {
      const e = entityRules.get(table)!;
      s = { rule: e.rule, order: e.order, key, change: null, row: null, counts: new Map(), quiet: new Set() };
      entities.set(id, s);
    }
    return s;
  };

  // 1. Entity rows that changed themselves.
  for (const [table, list] of changes) {
    const e = entityRules.get(table);
    if (!e) continue;
    if (list.some((c) => rowOf(c)[e.rule.key] === undefined)) {
      uncovered.add(table);
      continue;
    }
    for (const c of list) stateOf(table, textOf(rowOf(c), e.rule.key)).change = c;
    covered.add(table);
  }

  // 2. Child rows, walked up to their entity.
  const childChanges: Array<{ table: string; rule: ChildRule; change: ChangedRow }> = [];
  for (const [table, list] of changes) {
    const rule = childRules.get(table);
    if (rule && !entityRules.has(table)) for (const change of list) childChanges.push({ table, rule, change });
  }
  const owners = await findOwners(childChanges, changes, childRules, entityRules, lookup);
  // Entities reached only through children: their own row names them.
  const missing = new Map<string, Set<string>>();
  for (const { table, key } of owners.values()) {
    const s = stateOf(table, key);
    if (s.change === null && s.row === null) missing.set(table, (missing.get(table) ?? new Set()).add(key));
  }
  for (const [table, keys] of missing) {
    const found = await lookup.rows(table, entityRules.get(table)!.rule.key, keys);
    for (const key of keys) {
      const row = found.get(key);
      if (row) stateOf(table, key).row = row;
      else entities.delete(`${table}\0${key}`);
    }
  }
  for (const c of childChanges) {
    const owner = owners.get(c.change);
    const s = owner && entities.get(`${owner.table}\0${owner.key}`);
    if (!s) {
      uncovered.add(c.table);
      continue;
    }
    covered.add(c.table);
    if (c.rule.noun) {
      const counts = s.counts.get(c.table) ?? { added: 0, changed: 0, deleted: 0 };
      counts[kindOf(c.change)]++;
      s.counts.set(c.table, counts);
    } else if (c.rule.quiet) s.quiet.add(c.rule.quiet);
  }

  // 3. Names from other tables (the client of an invoice), one batch per table and key column.
  const names = await fetchLookups([...entities.values()], lookup);

  const items: string[] = [];
  // "totals changed" follows from something else; it is said only when nothing else is.
  const quietOnly: string[] = [];
  const ordered = [...entities.values()].sort((a, b) => a.order - b.order || a.key.localeCompare(b.key, 'en', { numeric: true }));
  for (const s of ordered) {
    const item = renderEntity(s, names, rules.children, secret);
    if (item !== null) (item.quiet ? quietOnly : items).push(item.text);
  }

  // 4. Key/value tables: the keys, never the values.
  for (const kv of rules.keyValues) {
    const list = changes.get(kv.table);
    if (!list) continue;
    if (list.some((c) => rowOf(c)[kv.keyColumn] === undefined)) {
      uncovered.add(kv.table);
      continue;
    }
    covered.add(kv.table);
    if (secret(kv.table, kv.keyColumn)) {
      items.push(kv.title);
      continue;
    }
    const keys = [...new Set(list.map((c) => displayText(textOf(rowOf(c), kv.keyColumn))))];
    const shown = keys.slice(0, KEYS_SHOWN).join(', ');
    items.push(`${kv.title}: ${shown}${keys.length > KEYS_SHOWN ? ` and ${keys.length - KEYS_SHOWN} more` : ''}`);
  }
  for (const t of uncovered) covered.delete(t);
  return { items: items.length > 0 ? items : quietOnly, covered };
}

/**
 * The entity (table and key text) each child change belongs to. A child's parent may be another
 * child table: its row is taken from this change when it changed too, or else looked up.
 */
async function findOwners(
  childChanges: ReadonlyArray<{ table: string; rule: ChildRule; change: ChangedRow }>,
  changes: ReadonlyMap<string, readonly ChangedRow[]>,
  childRules: ReadonlyMap<string, ChildRule>,
  entityRules: ReadonlyMap<string, unknown>,
  lookup: RowLookup,
): Promise<Map<ChangedRow, { table: string; key: string }>> {
  const owners = new Map<ChangedRow, { table: string; key: string }>();
  let pending = childChanges.map((c) => ({ origin: c.change, rule: c.rule, row: rowOf(c.change) }));
  for (let depth = 0; depth < MAX_DEPTH && pending.length > 0; depth++) {
    const next: typeof pending = [];
    const wanted = new Map<string, { table: string; key: string; values: Set<string> }>();
    for (const p of pending) {
      const value = textOf(p.row, p.rule.parent.column);
      if (value === '') continue;
      if (entityRules.has(p.rule.parent.table)) {
        owners.set(p.origin, { table: p.rule.parent.table, key: value });
        continue;
      }
      const id = `${p.rule.parent.table}\0${p.rule.parent.key}`;
      const w = wanted.get(id) ?? { table: p.rule.parent.table, key: p.rule.parent.key, values: new Set() };
      w.values.add(value);
      wanted.set(id, w);
    }
    const parents = new Map<string, ReadonlyMap<string, Row>>();
    for (const [id, w] of wanted) {
      // Parent rows changed in this same change are at hand; only the others are looked up.
      const here = new Map<string, Row>();
      for (const c of changes.get(w.table) ?? []) {
        const v = textOf(rowOf(c), w.key);
        if (w.values.has(v) && !here.has(v)) here.set(v, rowOf(c));
      }
      const rest = new Set([...w.values].filter((v) => !here.has(v)));
      const found = rest.size > 0 ? await lookup.rows(w.table, w.key, rest) : new Map<string, Row>();
      parents.set(id, new Map([...here, ...found]));
    }
    for (const p of pending) {
      const rule = childRules.get(p.rule.parent.table);
      if (!rule || entityRules.has(p.rule.parent.table)) continue;
      const row = parents.get(`${p.rule.parent.table}\0${p.rule.parent.key}`)?.get(textOf(p.row, p.rule.parent.column));
      if (row) next.push({ origin: p.origin, rule, row });
    }
    pending = next;
  }
  return owners;
}

/** Rows named by the entities' lookups, by `table\0key column` and key text. */
async function fetchLookups(states: readonly EntityState[], lookup: RowLookup): Promise<Map<string, ReadonlyMap<string, Row>>> {
  const wanted = new Map<string, { table: string; key: string; values: Set<string> }>();
  for (const s of states) {
    const row = s.change ? rowOf(s.change) : s.row;
    for (const l of Object.values(s.rule.lookups ?? {})) {
      const v = textOf(row, l.from);
      if (v === '') continue;
      const id = `${l.table}\0${l.key}`;
      const w = wanted.get(id) ?? { table: l.table, key: l.key, values: new Set() };
      w.values.add(v);
      wanted.set(id, w);
    }
  }
  const out = new Map<string, ReadonlyMap<string, Row>>();
  for (const [id, w] of wanted) out.set(id, await lookup.rows(w.table, w.key, w.values));
  return out;
}

type IsSecret = (table: string, column: string) => boolean;

/** The entity's item; `quiet` when all it says is that recomputed rows (totals) changed. Null: nothing worth saying. */
function renderEntity(
  s: EntityState,
  names: Map<string, ReadonlyMap<string, Row>>,
  childOrder: readonly ChildRule[],
  secret: IsSecret,
): { text: string; quiet: boolean } | null {
  const { rule } = s;
  const row = s.change ? rowOf(s.change) : s.row!;
  const title = renderTitle(rule, row, names, secret);
  const kind = s.change ? kindOf(s.change) : null;
  const verb = (k: Kind) => rule.verbs?.[k] ?? k;
  const head = (word: string) => (word ? `${title} ${word}` : title);
  const said = (text: string) => ({ text, quiet: false });
  // Children go with a deleted entity (InvoicePlane deletes an invoice's items with it).
  if (kind === 'deleted') return said(head(verb('deleted')));

  const childPhrases: string[] = [];
  for (const c of childOrder) {
    const counts = s.counts.get(c.table);
    if (!counts || !c.noun) continue;
    for (const k of ['added', 'changed', 'deleted'] as const) {
      const n = counts[k];
      if (n === 0) continue;
      const noun = `${n} ${n === 1 ? c.noun[0] : c.noun[1]}`;
      childPhrases.push(kind === 'added' && k === 'added' ? noun : `${noun} ${k}`);
    }
  }
  if (kind === 'added') return said(head(verb('added')) + (childPhrases.length > 0 ? `${verb('added') ? ' ' : ''}with ${childPhrases.join(', ')}` : ''));

  const phrases: string[] = [];
  let event: string | null = null;
  let ownColumns = false;
  if (kind === 'changed') {
    const { before, after } = s.change!;
    const changed = new Set(Object.keys({ ...before, ...after }).filter((c) => before![c] !== after![c]));
    for (const c of rule.ignore ?? []) changed.delete(c);
    if (changed.size === 0 && childPhrases.length === 0 && s.quiet.size === 0) return null;
    ownColumns = changed.size > 0;
    for (const t of rule.tracked ?? []) {
      if (!changed.has(t.column)) continue;
      changed.delete(t.column);
      const now = textOf(after, t.column);
      const happened = t.events?.[now];
      if (happened && event === null) event = happened;
      else if (secret(rule.table, t.column)) phrases.push(`${t.word} changed`);
      else phrases.push(`${t.word} ${valueName(textOf(before, t.column), t.names)} -> ${valueName(now, t.names)}`);
    }
    const words: string[] = [];
    let others = false;
    for (const c of changed) {
      const w = rule.fields?.[c];
      if (w === undefined) others = true;
      else if (!words.includes(w)) words.push(w);
    }
    if (words.length > 0) phrases.push(`${words.join(', ')}${others ? ' and other fields' : ''} changed`);
  }
  phrases.push(...childPhrases);
  if (event !== null) return said(phrases.length > 0 ? `${head(event)}: ${phrases.join(', ')}` : head(event));
  if (phrases.length > 0) return said(`${title}: ${phrases.join(', ')}`);
  if (!ownColumns && s.quiet.size > 0) return { text: `${title}: ${[...s.quiet].join(' and ')} changed`, quiet: true };
  return said(head(verb('changed')));
}

function valueName(text: string, names: Readonly<Record<string, string>> | undefined): string {
  if (text === '') return '(none)';
  return names?.[text] ?? displayText(text);
}

/** Fill a title template (see EntityRule.title). */
function renderTitle(rule: EntityRule, row: Row, names: Map<string, ReadonlyMap<string, Row>>, secret: IsSecret): string {
  const value = (name: string): string => {
    const l = rule.lookups?.[name];
    if (l) {
      if (secret(l.table, l.show)) return '[secret]';
      const other = names.get(`${l.table}\0${l.key}`)?.get(textOf(row, l.from));
      return displayText(textOf(other, l.show));
    }
    if (secret(rule.table, name)) return '[secret]';
    return displayText(textOf(row, name));
  };
  // One pass over the template: values are never read as template text.
  const fill = (part: string): { text: string; empty: boolean } => {
    let empty = false;
    const text = part.replace(/\{([^}]+)\}/g, (_m, spec: string) => {
      for (const alt of spec.split('|')) {
        const hash = alt.startsWith('#');
        const v = value(hash ? alt.slice(1) : alt);
        if (v !== '') return hash ? `#${v}` : v;
      }
      empty = true;
      return '?';
    });
    return { text, empty };
  };
  let out = '';
  for (const m of rule.title.matchAll(/\[([^\]]*)\]|[^[]+/g)) {
    if (m[1] === undefined) out += fill(m[0]).text;
    else {
      const r = fill(m[1]);
      if (!r.empty) out += r.text;
    }
  }
  return out;
}
