/** The history page's pure pieces (src/ui): escaping, the token, hidden secrets, the record's line filter, the chart. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { spawnSync } from 'node:child_process';
import { dayChart } from '../../src/ui/day-chart.js';
import { escapeHtml, html, query } from '../../src/ui/html.js';
import { integerKey, keyLinePattern } from '../../src/ui/record-versions.js';
import { HIDDEN_SECRET, hideSecrets } from '../../src/ui/secret-cells.js';
import { cookieToken, newUiToken, sameToken, tokenCookie } from '../../src/ui/ui-token.js';
import { byDay } from '../../src/ui/timeline.js';

describe('history page pieces', () => {
  it('escapes every interpolated value, not the template or Html', () => {
    const v = `<script>alert("x")</script>&'`;
    assert.equal(escapeHtml(v), '&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62;&#38;&#39;');
    const inner = html`<b>${v}</b>`;
    assert.equal(html`<p title="${v}">${inner}${[v, null, false, 3]}</p>`.text, `<p title="${escapeHtml(v)}"><b>${escapeHtml(v)}</b>${escapeHtml(v)}3</p>`);
    assert.equal(query({ a: 'x y', b: '', c: undefined, d: 0 }), '?a=x+y&d=0');
  });

  it('tokens: random, compared whole, read from the cookie only by name', () => {
    const t = newUiToken();
    assert.match(t, /^[A-Za-z0-9_-]{43}$/);
    assert.notEqual(newUiToken(), t);
    assert.ok(sameToken(t, t));
    assert.ok(!sameToken(t.slice(0, -1), t) && !sameToken(`${t}x`, t) && !sameToken('', t) && !sameToken(null, t));
    const req = (cookie?: string) => ({ headers: cookie === undefined ? {} : { cookie } }) as IncomingMessage;
    assert.equal(cookieToken(req(`a=1; dbsync_ui=${t}; b=2`)), t);
    assert.equal(cookieToken(req('xdbsync_ui=1')), null);
    assert.equal(cookieToken(req()), null);
    assert.match(tokenCookie(t), /; HttpOnly; SameSite=Strict; Path=\/$/);
  });

  it('hides secrets kept in clear, shows redacted and encrypted cells as the file has them, honours row filters', () => {
    const rules = [
      { table: 'ip_users', column: 'user_password', label: 'hash', restoreHint: '' },
      { table: 'ip_settings', column: 'setting_value', rows: { column: 'setting_key', values: ['smtp_password'] }, label: 'smtp', restoreHint: '' },
    ];
    assert.deepEqual(hideSecrets(rules, 'ip_users', { user_id: '1', user_password: "'$2y$10$abc'" }), { user_id: '1', user_password: HIDDEN_SECRET });
    assert.deepEqual(hideSecrets(rules, 'ip_users', { user_password: "'dbsync:redacted'" }), { user_password: "'dbsync:redacted'" });
    assert.deepEqual(hideSecrets(rules, 'ip_users', { user_password: 'NULL' }), { user_password: 'NULL' });
    assert.deepEqual(hideSecrets(rules, 'ip_settings', { setting_key: "'smtp_password'", setting_value: "'hunter2'" }).setting_value, HIDDEN_SECRET);
    assert.deepEqual(hideSecrets(rules, 'ip_settings', { setting_key: "'SMTP_Password '", setting_value: "'hunter2'" }).setting_value, HIDDEN_SECRET);
    assert.deepEqual(hideSecrets(rules, 'ip_settings', { setting_key: "'currency'", setting_value: "'EUR'" }).setting_value, "'EUR'");
    assert.deepEqual(hideSecrets(rules, 'other', { user_password: "'x'" }), { user_password: "'x'" });
  });

  it('narrows a record to the lines of its key only where that is sure (integer key columns first)', () => {
    const create = 'CREATE TABLE `t` (\n  `id` int(11) NOT NULL,\n  `d` date NOT NULL,\n  `name` varchar(9),\n  PRIMARY KEY (`id`,`d`)\n)';
    assert.ok(integerKey(create, ['id']));
    assert.ok(!integerKey(create, ['id', 'd']));
    assert.ok(!integerKey(create, ['name']));
    assert.equal(keyLinePattern('t', ['43', '7'], [1, 0], true), null, 'key columns not first');
    assert.equal(keyLinePattern('t', ['4x'], [0], true), null, 'not a whole number');
    assert.equal(keyLinePattern('t', ['43'], [0], false), null, 'not an integer column');
    const p = keyLinePattern('a.b', ['43'], [0], true)!;
    // git's -G is a POSIX extended expression; grep -E reads the same syntax.
    const matches = (line: string) => spawnSync('grep', ['-E', '-c', '-e', p], { input: `${line}\n`, encoding: 'utf8' }).stdout.trim() === '1';
    assert.ok(matches("INSERT INTO `a.b` VALUES (43,'x');"));
    assert.ok(matches('INSERT INTO `a.b` VALUES (43);'));
    assert.ok(matches("INSERT INTO `a.b` (`id`,`v`) VALUES ('43','x');"), 'a column list, an older quoted value');
    assert.ok(!matches("INSERT INTO `a.b` VALUES (430,'x');"));
    assert.ok(!matches("INSERT INTO `axb` VALUES (43,'x');"), 'the dot is literal');
    assert.ok(!matches("INSERT INTO `other` VALUES (43,'x');"));
  });

  it('groups commits by day and draws a bar per day', () => {
    const c = (time: string) => ({ commit: time, time, subject: '' });
    assert.deepEqual(
      byDay([c('2026-12-02T10:00:00Z'), c('2026-12-02T09:00:00Z'), c('2026-12-01T23:00:00Z')]).map(([d, l]) => [d, l.length]),
      [
        ['2026-12-02', 2],
        ['2026-12-01', 1],
      ],
    );
    const svg = dayChart(
      [
        ['2026-12-01', 0],
        ['2026-12-02', 4],
      ],
      'commits',
    ).text;
    assert.equal(svg.match(/<rect /g)?.length, 2);
    assert.match(svg, /<title>2026-12-02: 4 commits<\/title>/);
    assert.match(svg, /4 commits in the 2 days up to 2026-12-02/);
  });
});
