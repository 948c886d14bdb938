/**
 * A browser-like HTTP client for portal tests: keeps cookies, reads the CSRF token from the
 * last full page (<meta name="csrf-token">), and sends it with form posts like the portal's
 * htmx setup does (x-csrf-token header) or as a _csrf field.
 */
export interface PortalResponse {
  status: number;
  headers: Headers;
  text: string;
}

export function portalClient(baseUrl: string) {
  const cookies = new Map<string, string>();
  let csrf: string | null = null;

  function remember(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (/max-age=0|expires=thu, 01 jan 1970/i.test(line) || value === '') cookies.delete(name);
      else cookies.set(name, value);
    }
  }

  async function request(method: string, path: string, options: { body?: Record<string, string> | string; headers?: Record<string, string>; htmx?: boolean; csrf?: 'header' | 'field' | 'none'; redirect?: 'follow' | 'manual' } = {}): Promise<PortalResponse> {
    const headers: Record<string, string> = { accept: 'text/html', ...options.headers };
    if (cookies.size > 0) headers.cookie = [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (options.htmx) headers['hx-request'] = 'true';
    let body: string | undefined;
    const mode = options.csrf ?? (method === 'GET' ? 'none' : 'header');
    if (mode === 'header' && csrf) headers['x-csrf-token'] = csrf;
    if (options.body !== undefined) {
      if (typeof options.body === 'string') body = options.body;
      else {
        const form = new URLSearchParams(options.body);
        if (mode === 'field' && csrf) form.set('_csrf', csrf);
        body = form.toString();
        headers['content-type'] = 'application/x-www-form-urlencoded';
      }
    } else if (mode === 'field' && csrf) {
      body = new URLSearchParams({ _csrf: csrf }).toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    }
    let res = await fetch(`${baseUrl}${path}`, { method, headers, body, redirect: 'manual' });
    remember(res);
    // Follow redirects by hand so that cookies set on the way are kept.
    for (let hops = 0; (options.redirect ?? 'follow') === 'follow' && res.status >= 300 && res.status < 400 && hops < 5; hops++) {
      const location = res.headers.get('location')!;
      const next: Record<string, string> = { accept: 'text/html' };
      if (options.htmx) next['hx-request'] = 'true';
      if (cookies.size > 0) next.cookie = [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
      res = await fetch(new URL(location, baseUrl), { headers: next, redirect: 'manual' });
      remember(res);
    }
    const text = await res.text();
    const token = /<meta name="csrf-token" content="([^"]+)"/.exec(text);
    if (token) csrf = token[1]!;
    return { status: res.status, headers: res.headers, text };
  }

  return {
    get: (path: string, options?: Parameters<typeof request>[2]) => request('GET', path, options),
    post: (path: string, body?: Record<string, string> | string, options?: Parameters<typeof request>[2]) => request('POST', path, { ...options, body }),
    request,
    cookies,
    get csrf() {
      return csrf;
    },
  };
}
