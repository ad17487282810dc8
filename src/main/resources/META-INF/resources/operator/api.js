// Fetch helpers for the worker's HTTP API (same origin as this page).

const TIMEOUT_MS = 10000;

/** A failed call: `status` is the HTTP status (0 when the server could not be reached). */
export class ApiError extends Error {
  constructor(message, status = 0, body = null) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.body = body;
  }
}

/** True when the error only means that the caller aborted the request. */
export function isAbort(error) {
  return error != null && error.name === 'AbortError';
}

async function call(path, { method = 'GET', signal } = {}) {
  const own = new AbortController();
  const timer = setTimeout(() => own.abort(new DOMException('timed out', 'TimeoutError')), TIMEOUT_MS);
  const forward = () => own.abort(signal.reason);
  if (signal) {
    if (signal.aborted) { forward(); } else { signal.addEventListener('abort', forward, { once: true }); }
  }
  try {
    const response = await fetch(path, { method, signal: own.signal, headers: { Accept: 'application/json' } });
    const body = await readBody(response);
    return { response, body };
  } catch (error) {
    if (signal && signal.aborted) {
      throw new DOMException('aborted', 'AbortError');
    }
    if (own.signal.aborted) {
      throw new ApiError('no answer within ' + TIMEOUT_MS / 1000 + ' s');
    }
    throw new ApiError('cannot reach the worker (' + (error && error.message ? error.message : error) + ')');
  } finally {
    clearTimeout(timer);
    if (signal) { signal.removeEventListener('abort', forward); }
  }
}

async function readBody(response) {
  const text = await response.text();
  if (!text) { return null; }
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function failure(response, body) {
  const detail = body && body.error && body.error.message ? ': ' + body.error.message : '';
  return new ApiError('HTTP ' + response.status + detail, response.status, body);
}

/**
 * One page of jobs. `params` holds status, model, provider, q, limit, cursor; empty values are left out.
 * Resolves to { jobs, total (number or null), nextCursor (string or null) }.
 */
export async function fetchJobs(params, signal) {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') { query.set(name, String(value)); }
  }
  const { response, body } = await call('/jobs?' + query, { signal });
  if (!response.ok) { throw failure(response, body); }
  if (!Array.isArray(body)) { throw new ApiError('the job list is not a JSON array', response.status, body); }
  const totalHeader = response.headers.get('X-Total-Count');
  const total = totalHeader !== null && totalHeader !== '' && Number.isFinite(Number(totalHeader))
      ? Number(totalHeader) : null;
  const nextCursor = response.headers.get('X-Next-Cursor') || null;
  return { jobs: body, total, nextCursor };
}

/** The fleet summary (counts, last hour, spend, replicas). */
export async function fetchFleet(signal) {
  const { response, body } = await call('/fleet', { signal });
  if (!response.ok) { throw failure(response, body); }
  if (!body || typeof body !== 'object') { throw new ApiError('the fleet summary is not a JSON object', response.status); }
  return body;
}

/**
 * Asks to cancel a job. Resolves to { status, body } for the answers the API defines
 * (200 cancelled, 202 forwarded, 409 refused, 404 unknown); throws ApiError otherwise.
 */
export async function cancelJob(jobId) {
  const { response, body } = await call('/jobs/' + encodeURIComponent(jobId), { method: 'DELETE' });
  if ([200, 202, 404, 409].includes(response.status)) {
    return { status: response.status, body };
  }
  throw failure(response, body);
}

/** Address of a stored job's video (the server redirects to the MP4). */
export function videoUrl(jobId) {
  return '/jobs/' + encodeURIComponent(jobId) + '/video';
}
