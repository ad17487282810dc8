// The jobs table: filters, paging and rows that are updated in place. A row keeps its <video> element
// across refreshes, so a video that is playing is neither reloaded nor restarted.

import { fetchJobs, isAbort, videoUrl } from './api.js';
import { el, setText, setAttr, announce, failureReporter, humanStatus, formatUsd, formatMs } from './ui.js';

export const PAGE_SIZE = 25;
export const CANCELLABLE = new Set(['submitting', 'submitted', 'queued', 'in_progress']);

const COLUMNS = 10;
const COL = { job: 0, status: 1, progress: 2, model: 3, provider: 4, cost: 5, text: 6, served: 7, video: 8, actions: 9 };

const report = failureReporter('the job list');

const state = {
  filters: { status: '', model: '', provider: '', q: '' },
  cursor: null,        // cursor of the page shown; null for the first page
  previous: [],        // cursors of the pages before it, for "Previous"
  nextCursor: null,    // X-Next-Cursor of the page shown
  total: null,         // X-Total-Count
  shown: 0,            // rows on the page shown
  loaded: false,
};

const rows = new Map();   // jobId → <tr>
let body;
let table;
let inFlight = null;

function page() { return state.previous.length; }

function buildRow(jobId) {
  const row = el('tr', { 'data-job-id': jobId });
  row.appendChild(el('th', { scope: 'row' }, jobId));
  for (let i = 1; i < COLUMNS; i++) { row.appendChild(el('td')); }
  row.cells[COL.status].appendChild(el('span', { class: 'status' }));
  const progress = el('div', { class: 'progress' });
  progress.append(el('progress', { max: 100, value: 0, 'aria-label': 'Progress of job ' + jobId }),
      el('span', { class: 'progress-text' }));
  row.cells[COL.progress].appendChild(progress);
  return row;
}

/** Moves focus out of an element that is about to disappear, so keyboard users are not dropped on <body>. */
function keepFocusFrom(node) {
  if (node && node.contains(document.activeElement)) { table.focus(); }
}

function costText(job) {
  const estimate = job.costUsd !== undefined && job.costUsd !== null ? Number(job.costUsd) : null;
  const actual = job.actualCostUsd !== undefined && job.actualCostUsd !== null ? Number(job.actualCostUsd) : null;
  if (actual !== null) {
    return estimate !== null && estimate !== actual
        ? formatUsd(actual) + ' (estimated ' + formatUsd(estimate) + ')' : formatUsd(actual);
  }
  return estimate !== null ? formatUsd(estimate) + ' estimated' : '';
}

function servedText(job) {
  if (job.servedFrom === 'fleet-view') {
    return 'fleet view' + (job.viewLagMs !== undefined && job.viewLagMs !== null
        ? ' (lag ' + formatMs(job.viewLagMs) + ')' : '');
  }
  return job.servedFrom ? String(job.servedFrom) : '';
}

/** Creates or updates the row of one job and returns it. */
export function renderJob(job) {
  const jobId = String(job.jobId);
  let row = rows.get(jobId);
  if (!row) {
    row = buildRow(jobId);
    rows.set(jobId, row);
  }
  const status = String(job.status || 'unknown');
  setAttr(row, 'data-status', status);

  const label = row.cells[COL.status].firstChild;
  setText(label, humanStatus(status));
  setAttr(label, 'class', 'status ' + status);

  const percent = status === 'stored' ? 100 : Math.max(0, Math.min(100, Math.round(Number(job.progress) || 0)));
  const bar = row.cells[COL.progress].querySelector('progress');
  if (Number(bar.value) !== percent) { bar.value = percent; }
  setText(row.cells[COL.progress].querySelector('.progress-text'), percent + '%');

  setText(row.cells[COL.model], [job.model, job.size, job.seconds ? job.seconds + ' s' : null]
      .filter(Boolean).join(' · '));
  setText(row.cells[COL.provider], job.provider || '');
  setText(row.cells[COL.cost], costText(job));

  const text = row.cells[COL.text];
  if (job.error) {
    setAttr(text, 'class', 'error');
    setText(text, 'Error ' + [job.error.code, job.error.message].filter(Boolean).join(': '));
  } else {
    setAttr(text, 'class', 'prompt');
    setText(text, job.prompt || '');
  }
  setText(row.cells[COL.served], servedText(job));

  const media = row.cells[COL.video];
  if (job.video && !media.querySelector('video')) {
    const video = el('video', { controls: true, preload: 'metadata', 'aria-label': 'Video of job ' + jobId });
    video.src = videoUrl(jobId);
    media.appendChild(video);
  }

  const actions = row.cells[COL.actions];
  let button = actions.querySelector('button[data-cancel]');
  if (CANCELLABLE.has(status)) {
    if (!button) {
      button = el('button', { type: 'button', class: 'danger', 'data-cancel': jobId,
        'aria-label': 'Cancel job ' + jobId }, 'Cancel');
      actions.appendChild(button);
    }
  } else if (button) {
    keepFocusFrom(button);
    button.remove();
  }
  return row;
}

function rangeText() {
  if (state.shown === 0) {
    return page() === 0 ? 'No jobs match the filters' : 'No jobs on this page';
  }
  const first = page() * PAGE_SIZE + 1;
  const last = page() * PAGE_SIZE + state.shown;
  return 'Jobs ' + first + '–' + last + (state.total !== null ? ' of ' + state.total : '');
}

function renderPager() {
  setText(document.getElementById('jobs-range'), rangeText());
  setAttr(document.getElementById('jobs-prev'), 'aria-disabled', page() > 0 ? 'false' : 'true');
  setAttr(document.getElementById('jobs-next'), 'aria-disabled', state.nextCursor ? 'false' : 'true');
  setText(document.getElementById('jobs-refresh-note'), page() > 0
      ? 'Automatic refresh is paused on this page; go back to the first page to resume it.'
      : 'Refreshed every 2 seconds.');
}

function showJobs(jobs) {
  const seen = new Set();
  // Moving a row (a job that changed goes to the top) takes focus from whatever was focused in it: given back below.
  const focused = document.activeElement;
  jobs.forEach((job, i) => {
    if (!job || job.jobId === undefined || job.jobId === null) { return; }
    const row = renderJob(job);
    seen.add(String(job.jobId));
    if (body.children[i] !== row) { body.insertBefore(row, body.children[i] || null); }
  });
  if (focused && focused !== document.activeElement && focused.isConnected && body.contains(focused)) {
    focused.focus({ preventScroll: true });
  }
  for (const [id, row] of rows) {
    if (!seen.has(id)) {
      keepFocusFrom(row);
      row.remove();
      rows.delete(id);
    }
  }
  state.shown = seen.size;
}

/**
 * Loads the page described by `state`. A newer load aborts an older one, so an answer for old
 * filters or an old page never overwrites a newer one. Resolves to true when the page was shown,
 * false when the load failed (reported in the live region) and null when a newer load replaced it.
 */
export async function load({ announcePage = false } = {}) {
  if (inFlight) { inFlight.abort(); }
  const controller = new AbortController();
  inFlight = controller;
  try {
    const answer = await fetchJobs({ ...state.filters, limit: PAGE_SIZE, cursor: state.cursor }, controller.signal);
    if (inFlight !== controller) { return null; }
    state.total = answer.total;
    state.nextCursor = answer.nextCursor;
    state.loaded = true;
    showJobs(answer.jobs);
    renderPager();
    report.ok();
    if (announcePage) { announce(rangeText() + '.'); }
    return true;
  } catch (error) {
    if (isAbort(error)) { return null; }
    console.error('job refresh failed', error);
    report.failed(error);
    if (!state.loaded) { setText(document.getElementById('jobs-range'), 'Jobs not loaded yet'); }
    return false;
  } finally {
    if (inFlight === controller) { inFlight = null; }
  }
}

/**
 * The periodic refresh. Design choice: it only reloads the first page, where new jobs show up. A later
 * page holds older jobs that someone is reading through; reloading it every 2 s would make rows change
 * under the reader (and under a screen reader's cursor), so refreshing pauses there - the pager says
 * so - until the user goes back to page 1. Paging, filtering and cancelling still reload the page shown.
 */
export function refreshJobs() {
  // A load started by the user (filters, paging, cancel) is newer than a periodic one; let it finish.
  if (page() > 0 || inFlight) { return Promise.resolve(); }
  return load();
}

function readFilters(form) {
  const data = new FormData(form);
  return {
    status: String(data.get('status') || ''),
    model: String(data.get('model') || '').trim(),
    provider: String(data.get('provider') || '').trim(),
    q: String(data.get('q') || '').trim(),
  };
}

function applyFilters(form) {
  state.filters = readFilters(form);
  state.cursor = null;
  state.previous = [];
  state.nextCursor = null;
  return load({ announcePage: true });
}

/** Moves to another page; when it cannot be loaded, stays on the page shown (the failure is announced). */
async function turnPage(move) {
  const before = { cursor: state.cursor, previous: [...state.previous], nextCursor: state.nextCursor };
  move();
  if (await load({ announcePage: true }) === false) {
    Object.assign(state, before);
    renderPager();
  }
}

function nextPage() {
  if (!state.nextCursor) { return; }
  turnPage(() => {
    state.previous.push(state.cursor);
    state.cursor = state.nextCursor;
  });
}

function previousPage() {
  if (page() === 0) { return; }
  turnPage(() => { state.cursor = state.previous.pop(); });
}

/** Wires the filter form and pager; `onCancel(jobId, button)` is called for a row's Cancel button. */
export function initJobs({ onCancel }) {
  body = document.getElementById('jobs');
  table = document.getElementById('jobs-table');
  const form = document.getElementById('job-filters');
  let debounce = null;

  form.addEventListener('submit', event => {
    event.preventDefault();
    clearTimeout(debounce);
    applyFilters(form);
  });
  form.addEventListener('change', event => {
    // Text fields also fire "change" on blur; apply only when the filters really differ.
    if (event.target.matches('select') || JSON.stringify(readFilters(form)) !== JSON.stringify(state.filters)) {
      clearTimeout(debounce);
      applyFilters(form);
    }
  });
  form.addEventListener('input', event => {
    if (!event.target.matches('input')) { return; }
    clearTimeout(debounce);
    debounce = setTimeout(() => {
      if (JSON.stringify(readFilters(form)) !== JSON.stringify(state.filters)) { applyFilters(form); }
    }, 300);
  });

  document.getElementById('jobs-next').addEventListener('click', nextPage);
  document.getElementById('jobs-prev').addEventListener('click', previousPage);

  body.addEventListener('click', event => {
    const button = event.target.closest('button[data-cancel]');
    if (button && button.getAttribute('aria-disabled') !== 'true') { onCancel(button.dataset.cancel, button); }
  });

  renderPager();
}

/** Updates a job's row from a fresh copy of the job, if that job is on the page shown. */
export function updateShownJob(job) {
  if (rows.has(String(job.jobId))) { renderJob(job); }
}

/** The Cancel button of a job's row if it is still on the page, else null. */
export function cancelButtonFor(jobId) {
  const row = rows.get(String(jobId));
  return row && row.isConnected ? row.querySelector('button[data-cancel]') : null;
}

/** The jobs table, which takes focus when a row or its button has gone. */
export function jobsTable() {
  return table;
}
