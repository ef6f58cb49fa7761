import { html, type Html } from './html.js';

/**
 * A bar chart of counts per day as inline SVG (no script, no library: 30 rectangles do not need
 * one). Each bar has a title, so hovering (or a screen reader) gives the day and the count.
 */
export function dayChart(perDay: ReadonlyArray<readonly [string, number]>, noun: string): Html {
  if (perDay.length === 0) return html``;
  const [w, h, gap] = [600, 70, 2];
  const bar = w / perDay.length;
  const max = Math.max(1, ...perDay.map(([, n]) => n));
  const total = perDay.reduce((s, [, n]) => s + n, 0);
  const bars = perDay.map(([day, n], i) => {
    const bh = n === 0 ? 0 : Math.max(2, Math.round((n / max) * (h - 14)));
    return html`<rect x="${(i * bar).toFixed(1)}" y="${h - 12 - bh}" width="${(bar - gap).toFixed(1)}" height="${bh}"><title>${day}: ${n} ${noun}</title></rect>`;
  });
  const first = perDay[0]![0];
  const last = perDay.at(-1)![0];
  return html`<figure class="chart" aria-label="${noun} per day">
<svg viewBox="0 0 ${w} ${h}" role="img">${bars}<text x="0" y="${h - 1}">${first}</text><text x="${w}" y="${h - 1}" text-anchor="end">${last}</text><text x="${w}" y="9" text-anchor="end">max ${max} a day</text></svg>
<figcaption class="muted">${total} ${noun} in the ${perDay.length} days up to ${last}</figcaption>
</figure>`;
}
