import { request, type IncomingHttpHeaders } from 'node:http';

/** What one request answered. */
export interface FromResult {
  status: number;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body; undefined for an event stream (closed at its headers) or an empty body. */
  body: Record<string, unknown> | undefined;
}

export interface FromOptions {
  method?: string;
  /** Local address to send from: 127.0.0.2 is another client than 127.0.0.1 to a server on 127.0.0.1. */
  localAddress?: string;
  token?: string;
  json?: unknown;
  /** Rejects the request (AbortError) when it fires. */
  signal?: AbortSignal;
}

/**
 * One HTTP request on a new connection from a chosen local address (fetch cannot pick one). An
 * event stream resolves as soon as its headers come, and is closed then.
 */
export function requestFrom(url: string, options: FromOptions = {}): Promise<FromResult> {
  const headers: Record<string, string> = { connection: 'close' };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  const body = options.json === undefined ? undefined : JSON.stringify(options.json);
  if (body !== undefined) headers['content-type'] = 'application/json';
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers, localAddress: options.localAddress, signal: options.signal }, (res) => {
      if (String(res.headers['content-type']).startsWith('text/event-stream')) {
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: undefined });
        res.destroy();
        return;
      }
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('error', reject);
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined }));
    });
    req.on('error', reject);
    req.end(body);
  });
}
