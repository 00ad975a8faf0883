/**
 * The names `new AuthX(config)` accepts, and Python AuthX's `JWT_*` settings mapped to them, so
 * that a name carried over from a Python project is refused with the name to use instead (see
 * lib/core/option-names.ts). Internal to the AuthX layer (`authx-node` exports neither table).
 */

/** Every key of `AuthXConfig`. */
export const AUTHX_CONFIG_NAMES: readonly string[] = Object.freeze([
  'secretKey', 'previousSecretKeys', 'keys', 'currentKeyId', 'algorithm', 'tokenLocation', 'headerName', 'headerType',
  'queryStringName', 'jsonKey', 'refreshJsonKey', 'jsonBodyLimit', 'accessTokenExpires', 'refreshTokenExpires',
  'clockTolerance', 'issuer', 'audience', 'maxTokenLength', 'accessCookieName', 'refreshCookieName', 'accessCookiePath',
  'refreshCookiePath', 'cookieDomain', 'cookieMaxAge', 'cookieSameSite', 'cookieSecure', 'cookieHttpOnly',
  'cookieCsrfProtect', 'csrfInCookies', 'csrfMethods', 'accessCsrfCookieName', 'refreshCsrfCookieName',
  'accessCsrfCookiePath', 'refreshCsrfCookiePath', 'accessCsrfHeaderName', 'refreshCsrfHeaderName', 'revocationStore',
  'clock',
]);

const NO_FORM_FIELD = 'AuthX for Node reads the CSRF value from the header only';
const NO_IMPLICIT_REFRESH = 'implicit refresh is set up apart from the AuthX config: new ImplicitRefresh(auth, { delta, excludeRoutes, includeRoutes, excludeMethods, includeMethods }) or an adapter\'s implicitRefresh(options)';

/**
 * Python AuthX setting → the option that replaces it here, or why there is none. Settings with
 * an equivalent map to its camelCase name; the message then reads
 * `AuthX's JWT_TOKEN_LOCATION is "tokenLocation" here`.
 */
export const AUTHX_PYTHON_NAMES: Readonly<Record<string, string>> = Object.freeze({
  JWT_SECRET_KEY: 'secretKey',
  JWT_ALGORITHM: 'algorithm',
  JWT_DECODE_ALGORITHMS: 'the accepted algorithms follow from algorithm; a token never picks its own',
  JWT_PRIVATE_KEY: 'algorithm',
  JWT_PUBLIC_KEY: 'algorithm',
  JWT_TOKEN_LOCATION: 'tokenLocation',
  JWT_HEADER_NAME: 'headerName',
  JWT_HEADER_TYPE: 'headerType',
  JWT_QUERY_STRING_NAME: 'queryStringName',
  JWT_JSON_KEY: 'jsonKey',
  JWT_REFRESH_JSON_KEY: 'refreshJsonKey',
  JWT_ACCESS_TOKEN_EXPIRES: 'accessTokenExpires',
  JWT_REFRESH_TOKEN_EXPIRES: 'refreshTokenExpires',
  JWT_DECODE_LEEWAY: 'clockTolerance',
  JWT_ENCODE_ISSUER: 'issuer',
  JWT_DECODE_ISSUER: 'issuer',
  JWT_ENCODE_AUDIENCE: 'audience',
  JWT_DECODE_AUDIENCE: 'audience',
  JWT_ENCODE_NBF: 'AuthX for Node writes no nbf (a future iat is refused anyway)',
  JWT_IDENTITY_CLAIM: 'the identity claim is always sub',
  JWT_ERROR_MESSAGE_KEY: 'error bodies are {"detail": message}; auth.handleErrors(handler, { body: "authx" }) answers Python AuthX\'s {"message", "error_type"}',
  JWT_ACCESS_COOKIE_NAME: 'accessCookieName',
  JWT_REFRESH_COOKIE_NAME: 'refreshCookieName',
  JWT_ACCESS_COOKIE_PATH: 'accessCookiePath',
  JWT_REFRESH_COOKIE_PATH: 'refreshCookiePath',
  JWT_COOKIE_DOMAIN: 'cookieDomain',
  JWT_COOKIE_MAX_AGE: 'cookieMaxAge',
  JWT_SESSION_COOKIE: 'cookieMaxAge',
  JWT_COOKIE_SAMESITE: 'cookieSameSite',
  JWT_COOKIE_SECURE: 'cookieSecure',
  JWT_COOKIE_CSRF_PROTECT: 'cookieCsrfProtect',
  JWT_CSRF_IN_COOKIES: 'csrfInCookies',
  JWT_CSRF_METHODS: 'csrfMethods',
  JWT_ACCESS_CSRF_COOKIE_NAME: 'accessCsrfCookieName',
  JWT_REFRESH_CSRF_COOKIE_NAME: 'refreshCsrfCookieName',
  JWT_ACCESS_CSRF_COOKIE_PATH: 'accessCsrfCookiePath',
  JWT_REFRESH_CSRF_COOKIE_PATH: 'refreshCsrfCookiePath',
  JWT_ACCESS_CSRF_HEADER_NAME: 'accessCsrfHeaderName',
  JWT_REFRESH_CSRF_HEADER_NAME: 'refreshCsrfHeaderName',
  JWT_ACCESS_CSRF_FIELD_NAME: NO_FORM_FIELD,
  JWT_REFRESH_CSRF_FIELD_NAME: NO_FORM_FIELD,
  JWT_CSRF_CHECK_FORM: NO_FORM_FIELD,
  JWT_IMPLICIT_REFRESH_ROUTE_EXCLUDE: NO_IMPLICIT_REFRESH,
  JWT_IMPLICIT_REFRESH_ROUTE_INCLUDE: NO_IMPLICIT_REFRESH,
  JWT_IMPLICIT_REFRESH_METHOD_EXCLUDE: NO_IMPLICIT_REFRESH,
  JWT_IMPLICIT_REFRESH_METHOD_INCLUDE: NO_IMPLICIT_REFRESH,
  JWT_IMPLICIT_REFRESH_DELTATIME: NO_IMPLICIT_REFRESH,
  JWT_IMPLICIT_REFRESH_COOKIES: NO_IMPLICIT_REFRESH,
});

/**
 * Names other JWT libraries give an option that has another name here (`secret` in hono/jwt,
 * @fastify/jwt and express-jwt, `expiresIn` in jsonwebtoken, `leeway` in PyJWT), so that such a
 * name is refused with the one to use. Checked with {@link AUTHX_PYTHON_NAMES}.
 */
export const AUTHX_OTHER_LIBRARY_NAMES: Readonly<Record<string, string>> = Object.freeze({
  secret: 'secretKey',
  key: 'secretKey',
  privateKey: 'secretKey',
  expiresIn: 'accessTokenExpires',
  refreshExpiresIn: 'refreshTokenExpires',
  leeway: 'clockTolerance',
});
