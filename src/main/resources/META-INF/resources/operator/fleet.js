// Fleet summary: answering replica, counts by status, last-hour charts, spend and the replica table.
// Everything is updated in place, so a refresh does not disturb focus or an open data table.

import { fetchFleet, isAbort } from './api.js';
import { renderThroughput, renderFailures } from './charts.js';
import {
  el, setText, setAttr, failureReporter, formatUsd, formatMs, formatDateTime, formatDuration,
} from './ui.js';

export const STATUSES = ['submitting', 'submitted', 'queued', 'in_progress', 'generated', 'storing', 'stored',
  'failed', 'rejected', 'cancelled'];

const report = failureReporter('the fleet summary');

function renderHeader(fleet) {
  const line = document.getElementById('answered-by');
  const replica = fleet.replica ? String(fleet.replica) : 'unknown';
  const parts = ['Answered by replica ' + replica, 'as of ' + formatDateTime(fleet.asOf)];
  if (Number.isFinite(Number(fleet.partitions)) && fleet.partitions !== null) {
    parts.push(fleet.partitions + ' partitions');
  }
  setText(line, parts.join(' · '));
  setAttr(line, 'data-replica', replica);
  setAttr(line, 'data-as-of', fleet.asOf || null);
}

function renderCounts(jobs) {
  const byStatus = (jobs && jobs.byStatus) || {};
  for (const status of STATUSES) {
    const node = document.getElementById('count-' + status);
    if (node) { setText(node, Number(byStatus[status]) || 0); }
  }
  const total = jobs && Number.isFinite(Number(jobs.total)) ? Number(jobs.total)
      : STATUSES.reduce((sum, status) => sum + (Number(byStatus[status]) || 0), 0);
  setText(document.getElementById('count-total'), total);
}

function renderSpend(spend) {
  const today = document.getElementById('spend-today');
  const budget = document.getElementById('spend-budget');
  const meter = document.getElementById('spend-meter');
  const windowLine = document.getElementById('spend-window');
  if (!spend) {
    setText(today, 'No spend figures available.');
    budget.hidden = true;
    setText(windowLine, '');
    setText(document.getElementById('spend-day'), '');
    return;
  }
  // The budget limits spend per sliding window (worker.budget.window, 24 h by default), so the meter compares the
  // window's spend with the limit; today's (UTC) spend is shown beside it.
  const spent = Number(spend.todayUsd) || 0;
  const inWindow = Number(spend.windowUsd) || 0;
  const window = spend.window ? formatDuration(spend.window) : 'window';
  const limit = spend.limitUsd === null || spend.limitUsd === undefined ? null : Number(spend.limitUsd);
  setText(document.getElementById('spend-day'), spend.day ? 'Today is ' + spend.day + ' (UTC).' : '');
  if (limit !== null && Number.isFinite(limit)) {
    setText(today, `Spent today ${formatUsd(spent)}; budget ${formatUsd(limit)} per ${window}`);
    const share = limit > 0 ? inWindow / limit : 1;
    meter.max = 1;
    meter.value = Math.min(Math.max(share, 0), 1);
    const percent = Math.round(share * 100) + '% of the budget'
        + (share >= 1 ? ' — budget used up' : share >= 0.9 ? ' — nearly used up' : '');
    setText(document.getElementById('spend-percent'), percent);
    setAttr(meter, 'aria-valuetext', percent);
    budget.hidden = false;
  } else {
    setText(today, `Spent today ${formatUsd(spent)} — no budget set`);
    budget.hidden = true;
  }
  setText(windowLine, `Spent in the last ${window}: ${formatUsd(inWindow)}`);
}

/** Largest view lag this replica has for any of the given partitions, or null when it knows none. */
function lagFor(partitions, viewLagMs) {
  let max = null;
  for (const entry of partitions) {
    const fromView = viewLagMs ? viewLagMs[String(entry.partition)] : undefined;
    const lag = fromView !== undefined && fromView !== null ? fromView : entry.viewLagMs;
    if (lag !== undefined && lag !== null && Number.isFinite(Number(lag))) {
      max = max === null ? Number(lag) : Math.max(max, Number(lag));
    }
  }
  return max;
}

function renderReplicas(fleet) {
  const body = document.getElementById('replicas-body');
  const error = document.getElementById('replicas-error');
  const replicas = Array.isArray(fleet.replicas) ? fleet.replicas : null;
  if (!replicas) {
    setText(error, 'The replica list is not available' + (fleet.replicasError ? ': ' + fleet.replicasError : '.'));
    error.hidden = false;
    body.replaceChildren();
    document.getElementById('replicas').hidden = true;
    return;
  }
  document.getElementById('replicas').hidden = false;
  error.hidden = true;
  setText(error, '');

  // Rows are keyed by the group's member id: two replicas given the same client id still get a row each.
  const existing = new Map([...body.rows].map(row => [row.dataset.member, row]));
  replicas.forEach((replica, i) => {
    const id = String(replica.id);
    const member = String(replica.memberId || replica.id);
    let row = existing.get(member);
    existing.delete(member);
    if (!row) {
      row = el('tr', { 'data-replica': id, 'data-member': member });
      const head = el('th', { scope: 'row' });
      head.append(el('span', { class: 'replica-id' }), el('span', { class: 'replica-self' }));
      row.append(head, el('td'), el('td'), el('td', { class: 'num' }), el('td', { class: 'num' }));
    }
    const partitions = Array.isArray(replica.partitions) ? replica.partitions : [];
    const self = replica.self === true;
    setText(row.querySelector('.replica-id'), id);
    setText(row.querySelector('.replica-self'), self ? ' (this replica)' : '');
    setAttr(row, 'data-self', self ? 'true' : null);
    setText(row.cells[1], replica.host || '—');
    setText(row.cells[2], partitions.length ? partitions.map(p => p.partition).join(', ') : 'none');
    const backlog = partitions.reduce((sum, p) => sum + (Number(p.backlog) || 0), 0);
    setText(row.cells[3], backlog);
    setText(row.cells[4], self ? '—' : formatMs(lagFor(partitions, fleet.viewLagMs)));
    if (body.rows[i] !== row) { body.insertBefore(row, body.rows[i] || null); }
  });
  for (const stale of existing.values()) { stale.remove(); }
}

export function renderFleet(fleet) {
  renderHeader(fleet);
  renderCounts(fleet.jobs);
  renderThroughput(document.getElementById('chart-throughput'), fleet.lastHour, fleet.asOf);
  renderFailures(document.getElementById('chart-failures'), fleet.lastHour);
  renderSpend(fleet.spend);
  renderReplicas(fleet);
}

let inFlight = null;

/** Fetches and shows the fleet summary; failures go to the live region and the last figures stay. */
export async function refreshFleet() {
  if (inFlight) { inFlight.abort(); }
  const controller = new AbortController();
  inFlight = controller;
  try {
    const fleet = await fetchFleet(controller.signal);
    if (inFlight !== controller) { return; }
    renderFleet(fleet);
    report.ok();
  } catch (error) {
    if (isAbort(error)) { return; }
    console.error('fleet refresh failed', error);
    report.failed(error);
  } finally {
    if (inFlight === controller) { inFlight = null; }
  }
}
