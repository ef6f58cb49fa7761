/**
 * HTML built from templates where every interpolated value is escaped unless it is already Html.
 * Hand-written (a dozen lines) rather than a template engine: the pages are small, server-rendered,
 * and escaping by default is the one property that matters (cell values come from the database).
 */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

type Part = Html | string | number | null | undefined | false | readonly Part[];

/** `&`, `<`, `>`, `"` and `'` as entities: safe in element text and in quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function render(part: Part): string {
  if (part instanceof Html) return part.text;
  if (Array.isArray(part)) return part.map(render).join('');
  if (part === null || part === undefined || part === false) return '';
  return escapeHtml(String(part));
}

/** Tagged template: html`<td>${value}</td>` escapes `value`; arrays are joined; null, undefined and false vanish. */
export function html(strings: TemplateStringsArray, ...values: Part[]): Html {
  let out = strings[0] ?? '';
  for (const [i, v] of values.entries()) out += render(v) + (strings[i + 1] ?? '');
  return new Html(out);
}

/** A query string from parameters, leaving out empty ones: `?page=2&table=ip_invoices`. */
export function query(params: Readonly<Record<string, string | number | undefined | null>>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}
