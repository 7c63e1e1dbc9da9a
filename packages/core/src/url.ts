import { ConfigurationError } from './errors.js';

/**
 * A backend URL with any password replaced by `***`, safe for messages and logs. Works on
 * strings `URL` cannot parse (e.g. `sentinel://a;sentinel://b`, `db+sqlite:///x`). The password
 * is taken to run to the last `@` of the URL, so one holding `@`, `/`, `?` or `#` is
 * hidden whole; at worst more than the password is hidden, never less.
 */
export function redactUrl(url: string): string {
  return url.replace(/(\/\/[^/:;]*:)[^;]*@/g, '$1***@').replace(/([?&](?:password|pass|pwd)=)[^&#]*/gi, '$1***');
}

/** The scheme of a backend URL, lowercased, without `://`: `redis`, `db+postgresql`, `memory`. */
export function schemeOf(url: string): string {
  const match = /^([a-z][a-z0-9+.-]*):/i.exec(url);
  if (!match) {
    throw new ConfigurationError(`Not a backend URL: ${redactUrl(url)}. Expected e.g. redis://127.0.0.1:6379/0 or memory://`);
  }
  return match[1]!.toLowerCase();
}
