import { defined } from '../defined.js';
/**
 * What ktc prints of a --mongo-uri: the URI with any password replaced, so it can go into messages, logs and
 * --json. Works on malformed URIs too, since those are exactly the ones an error message quotes.
 */
export function redactMongoUri(uri: string): string {
  const schemeEnd = uri.indexOf('://');
  if (schemeEnd < 0) return uri.includes('@') ? '<a URI with credentials>' : uri;
  const authorityStart = schemeEnd + 3;
  const rest = uri.slice(authorityStart);
  const pathAt = rest.search(/[/?]/);
  const authority = pathAt < 0 ? rest : rest.slice(0, pathAt);
  // A password may itself hold '@' or ':' when the user forgot to percent-encode it: split at the last '@'.
  const at = authority.lastIndexOf('@');
  if (at < 0) return uri;
  const userInfo = authority.slice(0, at);
  const colon = userInfo.indexOf(':');
  const user = colon < 0 ? userInfo : userInfo.slice(0, colon);
  const hidden = colon < 0 ? user : `${user}:***`;
  return `${uri.slice(0, authorityStart)}${hidden}${authority.slice(at)}${pathAt < 0 ? '' : rest.slice(pathAt)}`;
}

/** The user named in the URI, for an authentication error; undefined when it names none. */
export function mongoUser(uri: string): string | undefined {
  const m = /^[a-z+]+:\/\/([^/?]*)@/i.exec(uri);
  if (!m) return undefined;
  const userInfo = defined(m[1]);
  const user = userInfo.slice(0, userInfo.includes(':') ? userInfo.indexOf(':') : undefined);
  try {
    return decodeURIComponent(user);
  } catch {
    return user;
  }
}
