// Small DOM and formatting helpers shared by the page's modules. Data only ever reaches the DOM as text.

/** Creates an element with the given attributes (null/false ones are skipped) and optional text. */
export function el(tag, attributes = {}, text) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) { continue; }
    node.setAttribute(name, value === true ? '' : String(value));
  }
  if (text !== undefined && text !== null) { node.textContent = String(text); }
  return node;
}

/** Sets text only when it changed, so screen readers and selections are not disturbed by refreshes. */
export function setText(node, text) {
  const value = text === undefined || text === null ? '' : String(text);
  if (node.textContent !== value) { node.textContent = value; }
}

/** Sets an attribute only when it changed (removes it for null). */
export function setAttr(node, name, value) {
  if (value === null || value === undefined) {
    if (node.hasAttribute(name)) { node.removeAttribute(name); }
  } else if (node.getAttribute(name) !== String(value)) {
    node.setAttribute(name, String(value));
  }
}

let announceTimer = null;

/** Puts a message into the polite live region (id "announce"). A repeated message is announced again. */
export function announce(message) {
  const region = document.getElementById('announce');
  if (!region) { return; }
  clearTimeout(announceTimer);
  if (region.textContent === message) {
    region.textContent = '';
    announceTimer = setTimeout(() => { region.textContent = message; }, 150);
  } else {
    region.textContent = message;
  }
}

const failures = new Map();   // source → message of its ongoing failure

/**
 * Reports refresh failures of one source (e.g. "the job list") once per failure streak, and once
 * more when it works again, instead of repeating the same message every few seconds. Ongoing
 * failures of other sources stay in the message, so one source's news does not hide another's.
 */
export function failureReporter(what) {
  const others = () => [...failures.entries()].filter(([source]) => source !== what).map(([, text]) => text);
  return {
    failed(error) {
      const message = 'Could not refresh ' + what + ': ' + (error && error.message ? error.message : String(error))
          + '. Retrying.';
      if (failures.get(what) !== message) {
        failures.set(what, message);
        announce([message, ...others()].join(' '));
      }
    },
    ok() {
      if (failures.has(what)) {
        failures.delete(what);
        announce(['Refreshing ' + what + ' works again.', ...others()].join(' '));
      }
    },
  };
}

export function humanStatus(status) {
  return String(status || 'unknown').replace(/_/g, ' ');
}

export function formatUsd(value) {
  const number = Number(value);
  return Number.isFinite(number) ? '$' + number.toFixed(2) : '—';
}

export function formatMs(value) {
  const number = Number(value);
  if (value === null || value === undefined || !Number.isFinite(number)) { return '—'; }
  if (number < 1000) { return Math.round(number) + ' ms'; }
  if (number < 60000) { return (number / 1000).toFixed(1) + ' s'; }
  return (number / 60000).toFixed(1) + ' min';
}

/** Local date and time of an ISO instant, or the text as given when it does not parse. */
export function formatDateTime(iso) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? String(iso || '—') : date.toLocaleString();
}

/** Local HH:MM of a Date. */
export function formatMinute(date) {
  return String(date.getHours()).padStart(2, '0') + ':' + String(date.getMinutes()).padStart(2, '0');
}

/** Plain words for an ISO-8601 duration such as PT24H or P7D ("24 hours", "7 days"); the text itself otherwise. */
export function formatDuration(iso) {
  const match = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(String(iso || ''));
  if (!match || match.slice(1).every(part => part === undefined)) { return iso ? String(iso) : 'window'; }
  const names = ['day', 'hour', 'minute', 'second'];
  return match.slice(1)
      .map((part, i) => part === undefined || Number(part) === 0 ? null
          : Number(part) + ' ' + names[i] + (Number(part) === 1 ? '' : 's'))
      .filter(Boolean).join(' ') || '0 seconds';
}
