// Cancelling a job: a native modal <dialog> asks first ("Keep job" has the focus), Escape closes it,
// focus then goes back to the row's Cancel button (or to the jobs table if the row has gone), and the
// outcome of DELETE /jobs/{id} is announced in the live region.

import { cancelJob } from './api.js';
import { announce } from './ui.js';
import { cancelButtonFor, jobsTable, updateShownJob } from './jobs.js';

let dialog;
let pendingJob = null;
let afterCancel = async () => {};

function focusBack(jobId) {
  const button = cancelButtonFor(jobId);
  (button || jobsTable()).focus();
}

/** Opens the confirmation for one job. */
export function askToCancel(jobId) {
  if (dialog.open) { return; }
  pendingJob = String(jobId);
  document.getElementById('confirm-cancel-title').textContent = 'Cancel job ' + pendingJob + '?';
  document.getElementById('confirm-cancel-text').textContent = 'Job ' + pendingJob + ' will be cancelled. '
      + 'If its video is being generated, the generation being paid for will be stopped and cannot be resumed.';
  dialog.returnValue = '';
  dialog.showModal();
  document.getElementById('confirm-cancel-no').focus();
}

function outcome(jobId, status, body) {
  if (status === 200) { return 'Job ' + jobId + ' cancelled'; }
  if (status === 202) { return 'Cancel of job ' + jobId + ' requested; its owner decides it shortly'; }
  const reason = body && body.error && body.error.message ? body.error.message
      : status === 404 ? 'there is no such job' : 'the worker refused';
  return 'Job ' + jobId + ' could not be cancelled: ' + reason;
}

async function submit(jobId) {
  const button = cancelButtonFor(jobId);
  if (button) { button.setAttribute('aria-disabled', 'true'); }
  let message;
  try {
    const { status, body } = await cancelJob(jobId);
    message = outcome(jobId, status, body);
    if (status === 200 && body && body.jobId !== undefined) { updateShownJob(body); }
  } catch (error) {
    message = 'Job ' + jobId + ' could not be cancelled: ' + (error && error.message ? error.message : String(error));
  } finally {
    const still = cancelButtonFor(jobId);
    if (still) { still.removeAttribute('aria-disabled'); }
  }
  announce(message);
  try {
    await afterCancel();
  } catch (error) {
    console.error('refresh after cancel failed', error);
  }
}

/** Wires the dialog; `refresh` reloads what a cancel changes (the job list and the fleet summary). */
export function initCancel({ refresh }) {
  dialog = document.getElementById('confirm-cancel');
  afterCancel = refresh;
  // "close" fires for both buttons (form method="dialog" sets returnValue) and for Escape (returnValue stays "").
  dialog.addEventListener('close', () => {
    const jobId = pendingJob;
    pendingJob = null;
    if (jobId === null) { return; }
    focusBack(jobId);
    if (dialog.returnValue === 'yes') { submit(jobId); }
  });
}
