import type { ChildRule, EntityRule, KeyValueRule, MessageRules, VersionRule } from '../profile/message-rules.js';
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
  /** The same items without the fields that changed beside an event or status (for a subject that would be cut). */
  readonly brief: readonly string[];
  /** `InvoicePlane upgraded 1.5.7 -> 1.6.4` when the application's version table grew (see VersionRule). */
  readonly headline?: string;
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
  const brief: string[] = [];
  // "totals changed" follows from something else; it is said only when nothing else is.
  const quietOnly: string[] = [];
  // Events before edits: rows added or deleted (a payment) come before rows that changed (the invoice it paid).
  const rank = (s: EntityState) => (s.change && kindOf(s.change) !== 'changed' ? 0 : 1);
  const ordered = [...entities.values()].sort((a, b) => rank(a) - rank(b) || a.order - b.order || a.key.localeCompare(b.key, 'en', { numeric: true }));
  for (const s of ordered) {
    const item = renderEntity(s, names, rules.children, secret);
    if (item === null) continue;
    if (item.quiet) quietOnly.push(item.text);
    else {
      items.push(item.text);
      brief.push(item.brief ?? item.text);
    }
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
    const text = secret(kv.table, kv.keyColumn) ? kv.title : keyValueItem(kv, list);
    items.push(text);
    brief.push(text);
  }
  for (const t of uncovered) covered.delete(t);
  const headline = rules.versions ? await versionHeadline(rules.versions, changes.get(rules.versions.table) ?? [], lookup) : null;
  return {
    items: items.length > 0 ? items : quietOnly,
    brief: items.length > 0 ? brief : quietOnly,
    covered,
    ...(headline ? { headline } : {}),
  };
}

/** `Settings changed: key1, key2`; keys added with their default value are counted, not named (see KeyValueRule.defaults). */
function keyValueItem(kv: KeyValueRule, list: readonly ChangedRow[]): string {
  const isDefault = (c: ChangedRow): boolean => {
    if (!kv.defaults || c.before !== null || c.after === null) return false;
    const value = textOf(c.after, kv.defaults.valueColumn);
    return value === '' || value === '0' || kv.defaults.values[textOf(c.after, kv.keyColumn)] === value;
  };
  const defaults = list.filter(isDefault).length;
  const keys = [...new Set(list.filter((c) => !isDefault(c)).map((c) => displayText(textOf(rowOf(c), kv.keyColumn))))];
  const stored = defaults > 0 ? `${defaults} ${defaults === 1 ? 'default' : 'defaults'} stored` : '';
  if (keys.length === 0) return `${kv.title.replace(/ changed$/, '')}: ${stored}`;
  const shown = keys.slice(0, KEYS_SHOWN).join(', ');
  return `${kv.title}: ${shown}${keys.length > KEYS_SHOWN ? ` and ${keys.length - KEYS_SHOWN} more` : ''}${stored ? ` (${stored})` : ''}`;
}

/** Versions compared part by part as numbers (1.10.0 after 1.9.2). */
function compareVersions(a: string, b: string): number {
  const x = a.split('.').map(Number);
  const y = b.split('.').map(Number);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * `App upgraded A -> B` from the rows added to the version table: B is the highest version added,
 * A the version of the row just before the first added one (keys count up), `App B installed` when
 * there is none. Null when no version row was added.
 */
async function versionHeadline(rule: VersionRule, list: readonly ChangedRow[], lookup: RowLookup): Promise<string | null> {
  const re = new RegExp(rule.pattern);
  const versionOf = (row: Row | null) => re.exec(textOf(row, rule.column))?.[1] ?? null;
  const added = list.filter((c) => c.before === null && c.after !== null);
  const versions = added.map((c) => versionOf(c.after)).filter((v): v is string => v !== null);
  if (versions.length === 0) return null;
  const to = versions.sort(compareVersions).at(-1)!;
  const firstKey = Math.min(...added.map((c) => Number(textOf(c.after, rule.key))));
  let from: string | null = null;
  if (Number.isSafeInteger(firstKey) && firstKey > 1) {
    const prev = String(firstKey - 1);
    from = versionOf((await lookup.rows(rule.table, rule.key, new Set([prev]))).get(prev) ?? null);
  }
  return from === null ? `${rule.app} ${to} installed` : `${rule.app} upgraded ${from} -> ${to}`;
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

/** Columns that record when a row was last saved (`invoice_date_modified`, `client_date_modified`). */
const MODIFIED_AT = /_date_modified$/;

/** NULL, '' and zero (0, 0.00): values that mean "none" alike. */
function isBlank(literal: string | undefined): boolean {
  return literal === undefined || literal === 'NULL' || literal === "''" || /^-?0+(\.0+)?$/.test(literal);
}

/** The entity's item; `quiet` when all it says is that recomputed rows (totals) changed. Null: nothing worth saying. */
function renderEntity(
  s: EntityState,
  names: Map<string, ReadonlyMap<string, Row>>,
  childOrder: readonly ChildRule[],
  secret: IsSecret,
): { text: string; quiet: boolean; brief?: string } | null {
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
  let fieldPhrase: string | null = null;
  let event: string | null = null;
  let ownColumns = false;
  if (kind === 'changed') {
    const { before, after } = s.change!;
    // NULL -> 0.00 (a discount stored on the first save) is no edit the user made.
    const changed = new Set(Object.keys({ ...before, ...after }).filter((c) => before![c] !== after![c] && !(isBlank(before![c]) && isBlank(after![c]))));
    const touched = [...changed].some((c) => MODIFIED_AT.test(c));
    // Modification times move on every save whose second differs: never an edit of their own.
    for (const c of changed) if (MODIFIED_AT.test(c)) changed.delete(c);
    for (const c of rule.ignore ?? []) changed.delete(c);
    if (changed.size === 0 && childPhrases.length === 0 && s.quiet.size === 0) {
      return touched ? { text: `${title} saved without changes`, quiet: true } : null;
    }
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
    if (words.length > 0) fieldPhrase = `${words.join(', ')}${others ? ' and other fields' : ''} changed`;
  }
  // Events (status, items) before the fields that changed beside them; `brief` leaves those fields out.
  phrases.push(...childPhrases);
  const all = fieldPhrase ? [...phrases, fieldPhrase] : phrases;
  const brief = fieldPhrase && (phrases.length > 0 || event !== null) ? phrases : null;
  const render = (list: readonly string[]) =>
    event !== null ? (list.length > 0 ? `${head(event)}: ${list.join(', ')}` : head(event)) : `${title}: ${list.join(', ')}`;
  if (event !== null || all.length > 0) return { text: render(all), quiet: false, ...(brief ? { brief: render(brief) } : {}) };
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

/**
 * A row of an entity table and one of its columns in the application's words (`Invoice 1 (ACME)`
 * and `terms`), for texts other than commit messages (the open conflicts); null when no entity
 * rule names the table. Secret columns are never shown, as in messages.
 */
export async function rowInWords(input: {
  readonly rules: MessageRules;
  readonly table: string;
  readonly row: Row;
  readonly column: string | null;
  readonly lookup: RowLookup;
  readonly secrets?: readonly SecretRule[];
}): Promise<{ title: string; field: string | null } | null> {
  const rule = input.rules.entities.find((r) => r.table === input.table);
  if (!rule) return null;
  const secret: IsSecret = (table, column) => (input.secrets ?? []).some((s) => s.table === table && s.column === column);
  const names = new Map<string, ReadonlyMap<string, Row>>();
  for (const l of Object.values(rule.lookups ?? {})) {
    const v = textOf(input.row, l.from);
    if (v !== '') names.set(`${l.table}\0${l.key}`, await input.lookup.rows(l.table, l.key, new Set([v])));
  }
  const c = input.column;
  const field = c === null ? null : (rule.tracked?.find((t) => t.column === c)?.word ?? rule.fields?.[c] ?? c);
  return { title: renderTitle(rule, input.row, names, secret), field };
}
