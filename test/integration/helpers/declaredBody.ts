import { request } from 'node:http';

export interface DeclaredBodyResponse {
  status: number;
  contentType: string;
  headers: Record<string, string | string[] | undefined>;
  body: any;
}

/**
 * Sends the headers of a request whose body is declared `declaredBytes` long, then waits for the answer
 * without sending the body. A server that refuses a body by its Content-Length answers and closes before
 * reading it; a client still writing a real oversized body can have that answer cut off by the reset
 * (fetch then fails with EPIPE instead of returning the 413), so the refusal is checked this way.
 */
export function requestDeclaringBody(
  url: string,
  method: string,
  declaredBytes: number,
  headers: Record<string, string>,
): Promise<DeclaredBodyResponse> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers: { ...headers, 'content-length': String(declaredBytes) } });
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        req.destroy();
        const text = Buffer.concat(chunks).toString('utf8');
        const contentType = String(res.headers['content-type'] ?? '');
        resolve({
          status: res.statusCode ?? 0,
          contentType,
          headers: res.headers,
          body: contentType.includes('json') && text !== '' ? JSON.parse(text) : text,
        });
      });
    });
    req.flushHeaders();
  });
}
