"use strict";
// The program's HTTP reads: the whole exchange (headers and body) bounded in time by a referenced timer.
Object.defineProperty(exports, "__esModule", { value: true });
exports.fetchBounded = fetchBounded;
exports.getJson = getJson;
/**
 * Fetches `url` and reads its answer with `read`, all within `timeoutMs`. The bound is a referenced timer
 * raced against headers and body together: after an abort during the body read, `res.json()` can stay
 * pending forever (nodejs/node#56917), and AbortSignal.timeout's timer does not keep node alive
 * (nodejs/node#46417) — a process then exits 0 with its work unfinished (seen in the lab's readiness wait).
 */
async function fetchBounded(url, init, timeoutMs, read, fetchImpl = fetch) {
    const controller = new AbortController();
    let timer;
    const deadline = new Promise((_, reject) => {
        timer = setTimeout(() => {
            controller.abort();
            reject(new Error(`${init.method ?? "GET"} ${url}: no complete answer within ${timeoutMs} ms`));
        }, timeoutMs);
    });
    try {
        return await Promise.race([fetchImpl(url, { ...init, signal: controller.signal }).then(read), deadline]);
    }
    finally {
        clearTimeout(timer);
    }
}
// The one JSON fetch of the program: bounded in time; an HTTP error status is an error naming method, URL and status.
async function getJson(url, init = {}, timeoutMs = 2000, fetchImpl = fetch) {
    return fetchBounded(url, init, timeoutMs, async (res) => {
        if (!res.ok)
            throw new Error(`${init.method ?? "GET"} ${url}: HTTP ${res.status} ${(await res.text().catch(() => "")).slice(0, 200)}`.trimEnd());
        return (await res.json());
    }, fetchImpl);
}
