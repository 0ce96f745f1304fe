// The one JSON fetch of the program: bounded in time; an HTTP error status is an error naming method, URL and status.
export async function getJson<T = any>(url: string, init: RequestInit = {}, timeoutMs = 2000, fetchImpl: typeof fetch = fetch): Promise<T> {
  const res = await fetchImpl(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  if (!res.ok) throw new Error(`${init.method ?? "GET"} ${url}: HTTP ${res.status} ${(await res.text().catch(() => "")).slice(0, 200)}`.trimEnd());
  return (await res.json()) as T;
}
