/**
 * The page's one stylesheet, served at /style.css. Kept in the code (not a file under assets/) so
 * that the built CLI needs nothing beside dist/ to serve it; no framework: system fonts, a narrow
 * column that fits a phone, tables that scroll sideways instead of squeezing.
 */
export const STYLESHEET = `
:root { --fg: #1d2126; --muted: #5d6670; --line: #d9dde2; --bg: #fff; --soft: #f4f6f8;
  --ok: #1a7f37; --warn: #9a6700; --bad: #cf222e; --add: #e6ffec; --del: #ffebe9; --chg: #fff8c5; --link: #0550ae; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
a { color: var(--link); text-decoration: none; }
a:hover { text-decoration: underline; }
header.top { padding: .6rem 1rem; border-bottom: 1px solid var(--line); background: var(--soft); }
header.top nav { display: flex; gap: 1rem; flex-wrap: wrap; align-items: baseline; }
header.top .brand { font-weight: 600; color: var(--fg); }
.verdict { margin: .4rem 0 0; font-weight: 600; }
.verdict.ok { color: var(--ok); } .verdict.not-pushed { color: var(--warn); } .verdict.failing, .verdict.unreachable { color: var(--bad); }
.verdict small { display: block; font-weight: normal; color: var(--muted); }
main { max-width: 60rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.3rem; margin: .2rem 0 .8rem; } h2 { font-size: 1.1rem; margin: 1.4rem 0 .5rem; } h3 { font-size: 1rem; margin: 1rem 0 .4rem; }
.muted, time { color: var(--muted); }
form.filters { display: flex; flex-wrap: wrap; gap: .5rem; margin-bottom: 1rem; align-items: end; }
form.filters label { display: flex; flex-direction: column; font-size: .85rem; color: var(--muted); }
input, select, button { font: inherit; padding: .3rem .45rem; border: 1px solid var(--line); border-radius: 4px; background: var(--bg); }
button { background: var(--soft); cursor: pointer; }
ol.commits { list-style: none; margin: 0; padding: 0; }
ol.commits li { padding: .45rem 0; border-bottom: 1px solid var(--line); display: flex; gap: .75rem; }
ol.commits li time { flex: 0 0 3.2rem; font-variant-numeric: tabular-nums; }
ol.commits .id { font-family: ui-monospace, monospace; font-size: .8rem; color: var(--muted); }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; font-size: .9rem; margin: .3rem 0 1rem; }
th, td { border: 1px solid var(--line); padding: .25rem .5rem; text-align: left; vertical-align: top; white-space: nowrap; max-width: 24rem; overflow: hidden; text-overflow: ellipsis; }
th { background: var(--soft); }
tr.added td { background: var(--add); } tr.deleted td { background: var(--del); }
td.changed { background: var(--chg); font-weight: 600; }
td.record { white-space: normal; min-width: 12rem; max-width: 22rem; }
del { color: var(--bad); } ins { color: var(--ok); text-decoration: none; }
.pager { display: flex; gap: 1rem; margin: 1rem 0; }
.chart { margin: 0 0 1rem; } .chart svg { width: 100%; height: auto; max-height: 90px; } .chart rect { fill: #54aeff; } .chart text { font-size: 9px; fill: var(--muted); }
.words { margin: .1rem 0 .3rem; }
.empty { color: var(--muted); font-style: italic; }
pre.plan { background: var(--soft); padding: .6rem; border: 1px solid var(--line); white-space: pre-wrap; }
form.confirm button { background: var(--bad); color: #fff; border-color: var(--bad); font-weight: 600; }
form.search { display: inline-flex; gap: .3rem; margin-left: auto; } form.search input { width: 12rem; }
section.conflict { border: 1px solid var(--line); border-radius: 6px; padding: .2rem .8rem .6rem; margin: 0 0 1rem; }
table.sides td.none, table.plan-row td.none { color: var(--muted); font-style: italic; }
table.sides tr.differs td, table.plan-row tr.differs td { background: var(--chg); font-weight: 600; }
.kept { display: block; font-size: .75rem; color: var(--ok); }
.actions { display: flex; flex-wrap: wrap; gap: .5rem; } .actions form { display: inline-flex; gap: .3rem; }
ul.matches li { margin: .3rem 0; } p.restore { font-size: .9rem; }
@media (max-width: 40rem) { body { font-size: 14px; } main { padding: .6rem; } ol.commits li { flex-direction: column; gap: .1rem; } ol.commits li time { flex: none; } }
`;
