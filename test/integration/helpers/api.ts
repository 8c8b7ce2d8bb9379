import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { startCli, type CliProcess } from './cli.js';
import { requestDeclaringBody } from './declaredBody.js';
import { waitFor } from './sqlite.js';

/** Tokens the API tests configure (from the environment, as operators would), one per role. */
export const testTokens = {
  viewer: 'viewer-token-0123456789abcdef',
  operator: 'operator-token-0123456789abcdef',
  admin: 'admin-token-0123456789abcdef',
} as const;
export type TestRole = keyof typeof testTokens;

/** The `api` section that reads those tokens from the environment (see `tokenEnv`). */
export function apiSection(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    port: 0,
    heartbeat_interval: '300ms',
    lost_after: '2s',
    default_page_size: 2,
    max_page_size: 50,
    tokens: (Object.keys(testTokens) as TestRole[]).map((role) => ({
      name: `${role}-client`,
      role,
      token: `\${API_TOKEN_${role.toUpperCase()}}`,
    })),
    ...extra,
  };
}

export const tokenEnv: Record<string, string> = Object.fromEntries(
  (Object.entries(testTokens) as [TestRole, string][]).map(([role, token]) => [`API_TOKEN_${role.toUpperCase()}`, token]),
);

export interface ApiResponse {
  status: number;
  contentType: string;
  body: any;
  headers: Headers;
}

export interface RequestOptions {
  /** Bearer token of this role (default viewer); `null` sends no Authorization header. */
  as?: TestRole | null;
  /** Send the token as HTTP Basic password instead of Bearer. */
  basic?: boolean;
  authorization?: string;
  body?: unknown;
  rawBody?: string;
  contentType?: string;
}

/** A running `latigo api` process and a client for it over real HTTP. */
export class ApiProcess {
  private constructor(
    readonly process: CliProcess,
    readonly baseUrl: string,
  ) {}

  static async start(config: string, cwd: string, env: Record<string, string> = {}): Promise<ApiProcess> {
    const child = startCli(['--config', config, 'api'], { cwd, env: { ...tokenEnv, ...env } });
    let url: string | undefined;
    await waitFor(
      () => {
        url = /API and docs at (http:\/\/[^\s]+)\/api\/docs/.exec(child.stdout)?.[1];
        return url !== undefined || child.child.exitCode !== null;
      },
      { timeoutMs: 90_000, describe: () => `latigo api to listen\n${child.stdout.slice(-2000)}\n${child.stderr.slice(-2000)}` },
    );
    if (url === undefined) throw new Error(`latigo api exited: ${child.stderr}`);
    return new ApiProcess(child, url);
  }

  async request(method: string, path: string, options: RequestOptions = {}): Promise<ApiResponse> {
    const headers: Record<string, string> = {};
    const role = options.as === undefined ? 'viewer' : options.as;
    if (options.authorization !== undefined) headers.authorization = options.authorization;
    else if (role !== null) {
      headers.authorization = options.basic
        ? `Basic ${Buffer.from(`client:${testTokens[role]}`).toString('base64')}`
        : `Bearer ${testTokens[role]}`;
    }
    let body: string | undefined;
    if (options.rawBody !== undefined) body = options.rawBody;
    else if (options.body !== undefined) body = JSON.stringify(options.body);
    if (body !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
    const response = await fetch(`${this.baseUrl}${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
    const text = await response.text();
    const contentType = response.headers.get('content-type') ?? '';
    return {
      status: response.status,
      contentType,
      headers: response.headers,
      body: contentType.includes('json') && text !== '' ? JSON.parse(text) : text,
    };
  }

  /** A request declaring a `declaredBytes` body it never sends (see `requestDeclaringBody`). */
  async requestDeclaringBody(method: string, path: string, declaredBytes: number, as: TestRole = 'viewer'): Promise<ApiResponse> {
    const response = await requestDeclaringBody(`${this.baseUrl}${path}`, method, declaredBytes, {
      authorization: `Bearer ${testTokens[as]}`,
      'content-type': 'application/json',
    });
    return { ...response, headers: new Headers(response.headers as Record<string, string>) };
  }

  stop(): void {
    this.process.kill();
  }
}

/**
 * Checks responses against the OpenAPI document the API serves: the operation must be documented for the
 * path and method, and the body must match the schema of its status and content type.
 */
export class OpenApiChecker {
  private readonly ajv = new Ajv.default({ strict: false, allErrors: true });
  readonly checked = new Set<string>();

  constructor(readonly document: any) {
    addFormats.default(this.ajv);
  }

  /** The documented path template matching `path` (`/api/v1/runs/abc` -> `/api/v1/runs/{id}`). */
  templateOf(path: string): string | undefined {
    const clean = path.split('?')[0]!;
    return Object.keys(this.document.paths).find((template) => {
      const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}/?$`);
      return pattern.test(clean);
    });
  }

  /** Throws naming the operation and the mismatch when `response` is not what the document promises. */
  check(method: string, path: string, response: ApiResponse): void {
    const template = this.templateOf(path);
    if (template === undefined) throw new Error(`${method} ${path}: not in the OpenAPI document`);
    const operation = this.document.paths[template][method.toLowerCase()];
    if (operation === undefined) throw new Error(`${method} ${template}: method not documented`);
    const documented = operation.responses[String(response.status)];
    if (documented === undefined)
      throw new Error(`${method} ${template}: status ${response.status} not documented (${JSON.stringify(response.body).slice(0, 300)})`);
    const mediaType = response.contentType.split(';')[0]!.trim();
    const schema = documented.content?.[mediaType]?.schema;
    if (schema === undefined) throw new Error(`${method} ${template} ${response.status}: no schema for ${mediaType}`);
    const validate = this.ajv.compile(schema);
    if (!validate(response.body)) {
      throw new Error(
        `${method} ${template} ${response.status}: body does not match its schema: ${this.ajv.errorsText(validate.errors)}\n${JSON.stringify(response.body).slice(0, 500)}`,
      );
    }
    this.checked.add(`${method.toUpperCase()} ${template} ${response.status}`);
  }
}
