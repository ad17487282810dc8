// Bar charts of the last hour, drawn as SVG. Each figure also holds a data table of the same numbers
// (inside <details>), which is updated in place so an open table keeps its state across refreshes.

import { el, setText, formatMinute } from './ui.js';

const SVG = 'http://www.w3.org/2000/svg';
const WIDTH = 600;
const HEIGHT = 240;
const MARGIN = { left: 56, right: 12, top: 14, bottom: 46 };

function svg(tag, attributes = {}, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) { node.setAttribute(name, String(value)); }
  if (text !== undefined) { node.textContent = String(text); }
  return node;
}

/** Smallest "round" number (1, 2, 2.5, 5 × 10^k) at least as large as `max`; 1 for an empty chart. */
function niceMax(max) {
  if (!(max > 0)) { return 1; }
  const step = 10 ** Math.floor(Math.log10(max));
  for (const factor of [1, 2, 2.5, 5, 10]) {
    if (factor * step >= max - 1e-12) { return factor * step; }
  }
  return 10 * step;
}

/** Per-second rates are small; show enough digits to tell 1/60 from 0. */
export function formatRate(value) {
  if (value === 0) { return '0'; }
  if (Math.abs(value) < 0.1) { return value.toFixed(3); }
  if (Math.abs(value) < 10) { return value.toFixed(2); }
  return value.toFixed(1);
}

function formatCount(value) {
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

function numbers(list, length) {
  const out = [];
  for (let i = 0; i < length; i++) {
    const value = Array.isArray(list) ? Number(list[i]) : 0;
    out.push(Number.isFinite(value) ? value : 0);
  }
  return out;
}

/** Start of every bucket as a Date. */
function bucketStarts(lastHour, length) {
  const start = new Date(lastHour && lastHour.start);
  const seconds = Number(lastHour && lastHour.bucketSeconds) || 60;
  const base = Number.isNaN(start.getTime()) ? Date.now() - length * seconds * 1000 : start.getTime();
  const starts = [];
  for (let i = 0; i <= length; i++) { starts.push(new Date(base + i * seconds * 1000)); }
  return starts;
}

/**
 * Draws one bar chart into `figure` (its .chart-svg holder).
 * spec: { values, starts (length + 1 Dates), yTitle, barClass, format (value → text), unit, label (aria-label) }
 */
function drawBars(figure, spec) {
  const { values, starts } = spec;
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const top = niceMax(Math.max(0, ...values));
  const y = value => MARGIN.top + plotHeight - (value / top) * plotHeight;
  const slot = plotWidth / Math.max(values.length, 1);

  const root = svg('svg', {
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img', 'aria-label': spec.label, focusable: 'false',
  });

  // Horizontal grid lines and y tick labels at 0, half and the top of the scale.
  for (const tick of [0, top / 2, top]) {
    const ty = y(tick);
    root.appendChild(svg('line', { class: 'chart-grid', x1: MARGIN.left, x2: WIDTH - MARGIN.right, y1: ty, y2: ty }));
    root.appendChild(svg('text', { class: 'chart-text', x: MARGIN.left - 6, y: ty + 4, 'text-anchor': 'end' },
        spec.format(tick)));
  }

  values.forEach((value, i) => {
    const height = Math.max(0, (value / top) * plotHeight);
    const bar = svg('rect', {
      class: spec.barClass, x: MARGIN.left + i * slot + slot * 0.1, width: Math.max(slot * 0.8, 1),
      y: MARGIN.top + plotHeight - height, height,
    });
    bar.appendChild(svg('title', {}, formatMinute(starts[i]) + ': ' + spec.format(value) + ' ' + spec.unit));
    root.appendChild(bar);
  });

  // Axes.
  root.appendChild(svg('line', { class: 'chart-axis', x1: MARGIN.left, x2: MARGIN.left, y1: MARGIN.top,
    y2: MARGIN.top + plotHeight }));
  root.appendChild(svg('line', { class: 'chart-axis', x1: MARGIN.left, x2: WIDTH - MARGIN.right,
    y1: MARGIN.top + plotHeight, y2: MARGIN.top + plotHeight }));

  // X tick labels every quarter of the range, plus its end.
  const quarter = Math.max(1, Math.round(values.length / 4));
  for (let i = 0; i <= values.length; i += quarter) {
    const tx = MARGIN.left + i * slot;
    root.appendChild(svg('line', { class: 'chart-axis', x1: tx, x2: tx, y1: MARGIN.top + plotHeight,
      y2: MARGIN.top + plotHeight + 4 }));
    root.appendChild(svg('text', { class: 'chart-text', x: tx, y: MARGIN.top + plotHeight + 16,
      'text-anchor': i === 0 ? 'start' : i >= values.length ? 'end' : 'middle' }, formatMinute(starts[i])));
  }

  // Axis titles.
  root.appendChild(svg('text', { class: 'chart-text', x: MARGIN.left + plotWidth / 2, y: HEIGHT - 6,
    'text-anchor': 'middle' }, 'Minute (local time)'));
  const yTitleX = 14;
  const yTitleY = MARGIN.top + plotHeight / 2;
  root.appendChild(svg('text', { class: 'chart-text', x: yTitleX, y: yTitleY, 'text-anchor': 'middle',
    transform: `rotate(-90 ${yTitleX} ${yTitleY})` }, spec.yTitle));

  const holder = figure.querySelector('.chart-svg');
  holder.replaceChildren(root);
  setText(figure.querySelector('.chart-summary'), spec.label);
}

/** Keeps the figure's data table at one row per bucket, updating cells in place. */
function fillTable(figure, rows) {
  const body = figure.querySelector('tbody');
  while (body.rows.length > rows.length) { body.deleteRow(-1); }
  rows.forEach((cells, i) => {
    let row = body.rows[i];
    if (!row) {
      row = el('tr');
      row.appendChild(el('th', { scope: 'row' }));
      for (let c = 1; c < cells.length; c++) { row.appendChild(el('td', { class: 'num' })); }
      body.appendChild(row);
    }
    cells.forEach((text, c) => setText(row.cells[c], text));
  });
}

function peakIndex(values) {
  let best = 0;
  values.forEach((value, i) => { if (value > values[best]) { best = i; } });
  return best;
}

function lengthOf(lastHour, ...names) {
  const lengths = names.map(name => (lastHour && Array.isArray(lastHour[name]) ? lastHour[name].length : 0));
  return Math.max(...lengths) || 60;
}

/**
 * "Jobs stored per second": stored[i] / bucketSeconds for each minute; the last minute is the current one, so it is
 * divided by the seconds it has lasted so far ({@code asOf}, the summary's time), not by a whole minute.
 */
export function renderThroughput(figure, lastHour, asOf) {
  const length = lengthOf(lastHour, 'stored');
  const seconds = Number(lastHour && lastHour.bucketSeconds) || 60;
  const stored = numbers(lastHour && lastHour.stored, length);
  const starts = bucketStarts(lastHour, length);
  const elapsedMs = Date.parse(asOf) - starts[length - 1].getTime();
  const current = Number.isFinite(elapsedMs) ? Math.min(seconds, Math.max(1, elapsedMs / 1000)) : seconds;
  const rates = stored.map((count, i) => count / (i === length - 1 ? current : seconds));
  const range = formatMinute(starts[0]) + '–' + formatMinute(starts[length]);
  const total = stored.reduce((a, b) => a + b, 0);
  let label;
  if (total === 0) {
    label = `Jobs stored per second, ${range}, one bar per minute: no jobs stored.`;
  } else {
    const peak = peakIndex(rates);
    label = `Jobs stored per second, ${range}, one bar per minute: ${formatCount(total)} stored in all, `
        + `average ${formatRate(total / ((length - 1) * seconds + current))} per second, `
        + `peak ${formatRate(rates[peak])} per second at ${formatMinute(starts[peak])}, `
        + `current minute so far ${formatRate(rates[length - 1])} per second.`;
  }
  drawBars(figure, {
    values: rates, starts, yTitle: 'jobs per second', barClass: 'chart-bar-stored', format: formatRate,
    unit: 'jobs per second', label,
  });
  fillTable(figure, stored.map((count, i) => [formatMinute(starts[i]), formatCount(count), formatRate(rates[i])]));
}

/** "Failures per minute": failed[i] + rejected[i] for each minute. */
export function renderFailures(figure, lastHour) {
  const length = lengthOf(lastHour, 'failed', 'rejected');
  const failed = numbers(lastHour && lastHour.failed, length);
  const rejected = numbers(lastHour && lastHour.rejected, length);
  const sums = failed.map((value, i) => value + rejected[i]);
  const starts = bucketStarts(lastHour, length);
  const range = formatMinute(starts[0]) + '–' + formatMinute(starts[length]);
  const total = sums.reduce((a, b) => a + b, 0);
  let label;
  if (total === 0) {
    label = `Failures per minute, ${range}: no failed or rejected jobs.`;
  } else {
    const peak = peakIndex(sums);
    label = `Failures per minute, ${range}: ${formatCount(total)} in all `
        + `(${formatCount(failed.reduce((a, b) => a + b, 0))} failed, `
        + `${formatCount(rejected.reduce((a, b) => a + b, 0))} rejected), `
        + `peak ${formatCount(sums[peak])} at ${formatMinute(starts[peak])}, `
        + `latest minute ${formatCount(sums[length - 1])}.`;
  }
  drawBars(figure, {
    values: sums, starts, yTitle: 'failures per minute', barClass: 'chart-bar-failures', format: formatCount,
    unit: 'failures', label,
  });
  fillTable(figure, sums.map((sum, i) => [formatMinute(starts[i]), formatCount(failed[i]),
    formatCount(rejected[i]), formatCount(sum)]));
}
