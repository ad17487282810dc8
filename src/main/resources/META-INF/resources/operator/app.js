// Operator page wiring: starts the periodic refreshes and connects the jobs table with the cancel dialog.
// Modules: api.js (fetch helpers), ui.js (DOM/format helpers), jobs.js (table, paging, filters),
// cancel.js (confirmation dialog), charts.js (SVG bar charts), fleet.js (counts, spend, replicas).

import { initJobs, refreshJobs, load as loadJobs } from './jobs.js';
import { initCancel, askToCancel } from './cancel.js';
import { refreshFleet } from './fleet.js';

const JOBS_EVERY_MS = 2000;
const FLEET_EVERY_MS = 5000;

/**
 * Runs `task` now and then again `every` ms after each run has finished, so slow answers never pile up.
 * A task must not throw; the ones here report their own failures in the live region.
 */
function repeat(task, every) {
  const run = async () => {
    try {
      await task();
    } catch (error) {
      console.error('refresh failed', error);
    }
    setTimeout(run, every);
  };
  run();
}

function start() {
  initJobs({ onCancel: jobId => askToCancel(jobId) });
  initCancel({ refresh: () => Promise.all([loadJobs(), refreshFleet()]) });
  repeat(refreshJobs, JOBS_EVERY_MS);
  repeat(refreshFleet, FLEET_EVERY_MS);
}

start();
