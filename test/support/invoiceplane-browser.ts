/**
 * A small HTTP "browser" for the real InvoicePlane (the TypeScript twin of
 * ../shared/invoiceplane-app/scripts/ipweb.py): cookies, the `_ip_csrf` token taken from the
 * `ip_csrf_cookie` (renewed by the server on every POST, as InvoicePlane's scripts.js sends it),
 * forms submitted with the values a browser would send, and `X-Requested-With` on the jQuery
 * `$.post()` calls of its pages (the Ajax controllers require it).
 *
 * HTML is read with htmlparser2 (a well-kept streaming parser, the same callbacks as Python's
 * HTMLParser that ipweb.py uses); nothing here runs the pages' JavaScript.
 */
import { Parser } from 'htmlparser2';

/** One form field in document order: name, value, type, checked, disabled (select: its options). */
export interface FormField {
  name: string;
  value: string;
  type: string;
  checked: boolean;
  disabled: boolean;
  options?: string[];
}

export interface Form {
  action: string | null;
  method: string;
  id: string | null;
  enctype: string | null;
  fields: FormField[];
}

/** The <form>s of a page with their fields (the rules of ipweb.py's Forms). */
export function parseForms(html: string): Form[] {
  const forms: Form[] = [];
  let cur: Form | null = null;
  let select: FormField | null = null;
  let textarea: FormField | null = null;
  const parser = new Parser(
    {
      onopentag(tag, a) {
        if (tag === 'form') {
          cur = { action: a.action ?? null, method: (a.method ?? 'get').toLowerCase(), id: a.id ?? null, enctype: a.enctype ?? null, fields: [] };
          forms.push(cur);
        }
        if (cur === null) return;
        const disabled = 'disabled' in a;
        if (tag === 'input') {
          cur.fields.push({ name: a.name ?? '', value: a.value ?? '', type: (a.type ?? 'text').toLowerCase(), checked: 'checked' in a, disabled });
        } else if (tag === 'select') {
          select = { name: a.name ?? '', value: '', type: 'select', checked: false, disabled, options: [] };
          (select as FormField & { chosen?: boolean }).chosen = false;
          cur.fields.push(select);
        } else if (tag === 'option' && select !== null) {
          const s = select as FormField & { chosen?: boolean };
          const v = a.value ?? '';
          s.options!.push(v);
          if ('selected' in a && !s.chosen) {
            s.value = v;
            s.chosen = true;
          }
        } else if (tag === 'textarea') {
          textarea = { name: a.name ?? '', value: '', type: 'textarea', checked: false, disabled };
          cur.fields.push(textarea);
        } else if (tag === 'button') {
          cur.fields.push({ name: a.name ?? '', value: a.value ?? '', type: (a.type ?? 'submit').toLowerCase(), checked: false, disabled });
        }
      },
      onclosetag(tag) {
        if (tag === 'form') cur = null;
        if (tag === 'select' && select !== null) {
          const s = select as FormField & { chosen?: boolean };
          if (!s.chosen) s.value = s.options![0] ?? '';
          select = null;
        }
        if (tag === 'textarea') textarea = null;
      },
      ontext(text) {
        if (textarea !== null) textarea.value += text;
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.write(html);
  parser.end();
  return forms;
}

/** Fields of an HTML fragment that is not itself a form (the new-item template row). */
export function fieldsOf(fragment: string): FormField[] {
  return parseForms(`<form>${fragment}</form>`)[0]!.fields;
}

/** The visible text of a page, for error messages. */
export function pageText(html: string): string {
  return html
    .replace(/<script[\s\S]*?<\/script>/g, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&[a-z#0-9]+;/gi, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** InvoicePlane's flash messages in a page: [kind, text]. */
export function alerts(html: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const m of html.matchAll(/<div class="alert alert-(\w+)[^"]*"[^>]*>([\s\S]*?)<\/div>/g)) {
    if (!m[2]!.includes('enable Javascript')) out.push([m[1]!, pageText(m[2]!)]);
  }
  return out;
}

/** The JSON object of an Ajax answer (InvoicePlane prints it with `exit(json_encode(...))`). */
export function ajaxJson(body: string): Record<string, unknown> {
  const m = /\{[\s\S]*\}/.exec(body);
  if (!m) throw new Error(`no JSON in an Ajax answer: ${body.slice(0, 500)}`);
  return JSON.parse(m[0]) as Record<string, unknown>;
}

/** What `$('#id').val()` returns on a page. */
export function field(html: string, id: string): string {
  const esc = id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const m = new RegExp(`<(input|select|textarea)\\b[^>]*\\bid="${esc}"[^>]*>`).exec(html);
  if (!m) return '';
  const tag = m[0];
  const after = html.slice(m.index + tag.length);
  if (m[1] === 'input') return /\bvalue="([^"]*)"/.exec(tag)?.[1] ?? '';
  if (m[1] === 'textarea') return after.slice(0, after.indexOf('</textarea>'));
  const opts = after.slice(0, after.indexOf('</select>'));
  return (/<option[^>]*value="([^"]*)"[^>]*selected/.exec(opts) ?? /<option[^>]*value="([^"]*)"/.exec(opts))?.[1] ?? '';
}

export class HttpError extends Error {}

/** A browser session: one cookie jar. */
export class IpBrowser {
  private readonly cookies = new Map<string, string>();
  /** The URL of the page last shown (sent as Referer, as browsers do). */
  private pageUrl: string | null = null;
  lastUrl = '';
  status = 0;
  requests = 0;

  constructor(readonly base: string) {}

  url(p: string): string {
    return p.startsWith('http') ? p : `${this.base}/index.php/${p.replace(/^\//, '')}`;
  }

  cookie(name: string): string | undefined {
    return this.cookies.get(name);
  }

  /** GET a page; `ajax`: as jQuery's `.load(url)` (X-Requested-With). */
  get(p: string, opts: { ajax?: boolean } = {}): Promise<string> {
    return this.open('GET', this.url(p), null, opts.ajax ? { 'X-Requested-With': 'XMLHttpRequest' } : {}, opts.ajax);
  }

  /** POST form data; `ajax` adds X-Requested-With; the CSRF token is added unless given. */
  post(p: string, data: Array<[string, string]> | Record<string, string>, opts: { ajax?: boolean } = {}): Promise<string> {
    const pairs: Array<[string, string]> = Array.isArray(data) ? [...data] : Object.entries(data);
    if (!pairs.some(([k]) => k === '_ip_csrf')) pairs.push(['_ip_csrf', this.cookie('ip_csrf_cookie') ?? '']);
    const headers: Record<string, string> = { 'Content-Type': 'application/x-www-form-urlencoded' };
    if (opts.ajax) headers['X-Requested-With'] = 'XMLHttpRequest';
    return this.open('POST', this.url(p), new URLSearchParams(pairs).toString(), headers, opts.ajax);
  }

  /**
   * Upload a file as InvoicePlane's Dropzone does (a multipart POST with the file as `file`, the
   * CSRF token beside it, X-Requested-With).
   */
  upload(p: string, file: { name: string; type: string; bytes: Uint8Array<ArrayBuffer> }): Promise<string> {
    const form = new FormData();
    form.append('_ip_csrf', this.cookie('ip_csrf_cookie') ?? '');
    form.append('file', new Blob([file.bytes], { type: file.type }), file.name);
    return this.open('POST', this.url(p), form, { 'X-Requested-With': 'XMLHttpRequest' }, true);
  }

  /** Submit a page's form as a browser would: its fields, with overrides, and the named button. */
  submit(html: string, opts: { form?: number; overrides?: Record<string, string>; button?: string } = {}): Promise<string> {
    const f = parseForms(html)[opts.form ?? 0];
    if (!f) throw new Error(`no form ${opts.form ?? 0} on ${this.lastUrl}`);
    const ov = opts.overrides ?? {};
    const data: Array<[string, string]> = [];
    for (const fl of f.fields) {
      if (!fl.name || fl.disabled || fl.type === 'file') continue;
      if (['submit', 'button', 'image', 'reset'].includes(fl.type)) {
        if (opts.button === fl.name) data.push([fl.name, fl.value]);
        continue;
      }
      if ((fl.type === 'checkbox' || fl.type === 'radio') && !fl.checked) continue;
      data.push([fl.name, fl.name in ov ? ov[fl.name]! : fl.value]);
    }
    const seen = new Set(data.map(([k]) => k));
    for (const [k, v] of Object.entries(ov)) if (!seen.has(k)) data.push([k, v]);
    if (opts.button && !data.some(([k]) => k === opts.button)) data.push([opts.button, '1']);
    return this.post(f.action ?? this.lastUrl, data);
  }

  private async open(method: string, url: string, body: string | FormData | null, headers: Record<string, string>, ajax = false): Promise<string> {
    let current = url;
    let m = method;
    let b = body;
    for (let hop = 0; hop < 10; hop++) {
      this.requests++;
      const h: Record<string, string> = { ...headers, 'User-Agent': 'Mozilla/5.0 (X11; Linux x86_64) git-dbsync-test/1.0' };
      if (this.pageUrl) h.Referer = this.pageUrl;
      const jar = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
      if (jar) h.Cookie = jar;
      if (b === null) delete h['Content-Type'];
      const r = await fetch(current, { method: m, headers: h, body: b, redirect: 'manual', signal: AbortSignal.timeout(120_000) });
      for (const c of r.headers.getSetCookie()) this.setCookie(c);
      if ([301, 302, 303, 307, 308].includes(r.status)) {
        await r.arrayBuffer();
        current = new URL(r.headers.get('location')!, current).toString();
        if (r.status !== 307 && r.status !== 308) {
          m = 'GET';
          b = null;
        }
        continue;
      }
      const text = await r.text();
      this.lastUrl = current;
      this.status = r.status;
      if (!ajax && (r.headers.get('content-type') ?? '').includes('text/html')) this.pageUrl = current;
      if (r.status >= 500 || /A PHP Error was encountered|An uncaught Exception|A Database Error Occurred/.test(text)) {
        throw new HttpError(`server error on ${m} ${current}: ${r.status}\n${pageText(text).slice(0, 2000)}`);
      }
      return text;
    }
    throw new HttpError(`too many redirects from ${url}`);
  }

  private setCookie(header: string): void {
    const [pair, ...attrs] = header.split(';');
    const eq = pair!.indexOf('=');
    const name = pair!.slice(0, eq).trim();
    const value = pair!.slice(eq + 1).trim();
    const expired = attrs.some((a) => {
      const [k, v] = a.split('=').map((s) => s.trim());
      if (k!.toLowerCase() === 'max-age') return Number(v) <= 0;
      if (k!.toLowerCase() === 'expires') return Date.parse(v!) < Date.now();
      return false;
    });
    if (expired || value === '' || value === 'deleted') this.cookies.delete(name);
    else this.cookies.set(name, value);
  }
}
