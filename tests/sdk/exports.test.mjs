// Voucherify's official JS SDK (@voucherify/sdk, pinned in package-lock.json) driving the export server, as a client
// switching from Voucherify would. Run by SdkCompatibilityTests (tests/VoucherExport.Server.Tests), which starts a real
// server on 127.0.0.1 and writes what these tests need to know (addresses, credentials, the rows each export must hold,
// computed in C# from the same ledger) to the JSON file named by VX_SDK_FIXTURE.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import voucherifySdk from '@voucherify/sdk';
import { parse } from 'csv-parse/sync';

const { VoucherifyServerSide } = voucherifySdk;
const fixturePath = process.env.VX_SDK_FIXTURE;
if (!fixturePath) {
  throw new Error('VX_SDK_FIXTURE is not set: run these tests through SdkCompatibilityTests (dotnet test)');
}

const fx = JSON.parse(readFileSync(fixturePath, 'utf8'));
const client = (options = {}) => VoucherifyServerSide({
  applicationId: fx.appId,
  secretKey: fx.appToken,
  apiUrl: fx.url,
  ...options,
});
const voucherify = client();
const requestId = /^v-[0-9a-f]{18}$/;

/** Polls GET /v1/exports/{id} through the SDK until the export is final, within a bounded deadline. */
async function waitDone(sdk, id) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const exp = await sdk.distributions.exports.get(id);
    if (exp.status === 'DONE' || exp.status === 'ERROR') {
      assert.equal(exp.status, 'DONE', JSON.stringify(exp));
      return exp;
    }

    assert.ok(Date.now() < deadline, `export ${id} still ${exp.status} after 60 s`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Downloads result.url (no credentials: the URL carries its token) and parses it with csv-parse. */
async function downloadCsv(exp) {
  const response = await fetch(exp.result.url);
  assert.equal(response.status, 200, await response.clone().text());
  assert.match(response.headers.get('content-type'), /^text\/csv/);
  const text = await response.text();
  return parse(text, { bom: true, relax_column_count: false });
}

/** Asserts a finished export's file: the labels header, then exactly the expected records. */
async function assertFile(exp, expected) {
  const records = await downloadCsv(exp);
  assert.deepEqual(records[0], fx.labels);
  assert.deepEqual(records.slice(1), expected);
}

/** The error the SDK throws for a call, asserted to be its VoucherifyError with our Voucherify-shaped body. */
async function sdkError(call, code, key) {
  try {
    await call();
  } catch (error) {
    // VoucherifyError is not exported at run time (and its class name is minified): it is the Error that is no Axios
    // error and carries the SDK's own fields, which its constructor always sets from our body.
    assert.ok(error instanceof Error, String(error));
    assert.notEqual(error.isAxiosError, true, `an Axios error, not the SDK's: ${error}`);
    assert.ok(Object.hasOwn(error, 'resource_id') && Object.hasOwn(error, 'related_object_type'), String(error));
    assert.equal(error.code, code, JSON.stringify(error));
    assert.equal(error.key, key);
    assert.equal(typeof error.message, 'string');
    assert.ok(error.message.length > 0);
    assert.equal(typeof error.details, 'string');
    assert.match(error.request_id, requestId);
    return error;
  }

  assert.fail(`expected a ${code} ${key}`);
}

test('vouchers.exportTransactions: the seed answer, then the file with quoted CR and LF in reasons', async () => {
  const created = await voucherify.vouchers.exportTransactions(fx.gift.code, {
    parameters: { order: 'created_at', fields: fx.fields },
  });
  assert.equal(created.object, 'export');
  assert.match(created.id, /^exp_[A-Za-z0-9]{24}$/);
  assert.equal(created.status, 'SCHEDULED');
  assert.equal(created.channel, 'API');
  assert.equal(created.exported_object, 'voucher_transactions');
  assert.equal(created.result, null);
  assert.equal(created.user_id, null);
  assert.deepEqual(created.parameters.fields, fx.fields);
  assert.equal(created.parameters.order, 'created_at');
  assert.deepEqual(created.parameters.filters.voucher_id.conditions.$in, [fx.gift.code]);

  const done = await waitDone(voucherify, created.id);
  assert.equal(done.result.url.startsWith(fx.url), true);
  await assertFile(done, fx.expected.gift);
  assert.ok(fx.expected.gift.some((row) => /\r\n/.test(row.join())), 'the fixture holds a reason with CR LF');
});

test('distributions.exports.create/get/list/delete: the generic export, listed, deleted, then gone', async () => {
  const created = await voucherify.distributions.exports.create({
    exported_object: 'voucher_transactions',
    parameters: {
      order: 'created_at',
      fields: fx.fields,
      filters: { junction: 'AND', voucher_id: { conditions: { $in: [fx.card.id] } } },
    },
  });
  assert.equal(created.status, 'SCHEDULED');
  assert.equal(created.exported_object, 'voucher_transactions');
  assert.equal(created.parameters.filters.junction, 'and');

  const done = await waitDone(voucherify, created.id);
  await assertFile(done, fx.expected.card);

  const list = await voucherify.distributions.exports.list({ limit: 100, page: 1, order: '-created_at' });
  assert.equal(list.object, 'list');
  assert.equal(list.data_ref, 'exports');
  assert.ok(list.total >= 1);
  const listed = list.exports.find((e) => e.id === created.id);
  assert.ok(listed, 'the export is listed');
  assert.equal(listed.status, 'DONE');
  assert.ok(listed.result.url.includes('token='));

  // Omitted parameters come back with the defaults filled in, as Voucherify echoes them.
  const bare = await voucherify.distributions.exports.create({ exported_object: 'voucher_transactions' });
  assert.equal(bare.parameters.order, '-created_at');
  assert.deepEqual(bare.parameters.fields, fx.defaultFields);
  assert.deepEqual(bare.parameters.filters, { junction: 'and' });
  await voucherify.distributions.exports.delete(bare.id);

  await voucherify.distributions.exports.delete(created.id);
  const gone = await sdkError(() => voucherify.distributions.exports.get(created.id), 404, 'not_found');
  assert.equal(gone.resource_id, created.id);
  assert.equal(gone.resource_type, 'export');
  assert.equal(gone.details, `Cannot find export with id ${created.id}`);
});

test('loyalties.exportCardTransactions without a campaign, with its id and with its name', async () => {
  for (const campaign of [null, fx.card.campaignId, fx.card.campaignName]) {
    const created = await voucherify.loyalties.exportCardTransactions(fx.card.code, campaign, {
      parameters: { order: 'created_at', fields: fx.fields },
    });
    assert.equal(created.status, 'SCHEDULED', String(campaign));
    assert.deepEqual(created.parameters.filters.voucher_id.conditions.$in, [fx.card.code]);
    await assertFile(await waitDone(voucherify, created.id), fx.expected.card);
  }
});

test('the SDK error class reads our errors: 404 with resource_id, 400s, 401', async () => {
  const voucher = await sdkError(() => voucherify.vouchers.exportTransactions('NO-SUCH-CODE', {}), 404, 'not_found');
  assert.equal(voucher.resource_id, 'NO-SUCH-CODE');
  assert.equal(voucher.resource_type, 'voucher');
  assert.equal(voucher.details, 'Cannot find voucher with id NO-SUCH-CODE');

  const card = await sdkError(() => voucherify.loyalties.exportCardTransactions(fx.gift.code, fx.card.campaignId, {}), 404, 'not_found');
  assert.equal(card.resource_id, fx.gift.code);
  assert.equal(card.resource_type, 'loyalty_card');

  const other = await sdkError(() => voucherify.distributions.exports.create({ exported_object: 'voucher' }), 400, 'invalid_payload');
  assert.match(other.details, /voucher_transactions/);

  const fields = await sdkError(() => voucherify.vouchers.exportTransactions(fx.gift.code, {
    parameters: { fields: ['id', 'no_such_field'] },
  }), 400, 'invalid_export_fields');
  assert.match(fields.details, /parameters\.fields\[1\]/);

  await sdkError(() => client({ secretKey: 'not-the-secret-key' }).distributions.exports.list(), 401, 'unauthorized');
});

/** POST /v1/oauth/token as Voucherify documents it: the API key in headers, a form body. */
async function oauthToken(scope) {
  const response = await fetch(`${fx.url}/v1/oauth/token`, {
    method: 'POST',
    headers: {
      'X-App-Id': fx.appId,
      'X-App-Token': fx.appToken,
      'Content-Type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope }),
  });
  const body = await response.json();
  assert.equal(response.status, 200, JSON.stringify(body));
  assert.equal(body.token_type, 'Bearer');
  assert.equal(body.expires_in, 900);
  assert.equal(body.client_id, fx.appId);
  assert.equal(body.scope, scope);
  return body.access_token;
}

test('an OAuth token from POST /v1/oauth/token, passed through the SDK customHeaders', async () => {
  const token = await oauthToken('exports vouchers');
  const sdk = client({ customHeaders: { Authorization: `Bearer ${token}` } });

  const created = await sdk.vouchers.exportTransactions(fx.gift.code, { parameters: { order: 'created_at', fields: fx.fields } });
  await assertFile(await waitDone(sdk, created.id), fx.expected.gift);

  // The scope holds: loyalties is not in it.
  const refused = await sdkError(() => sdk.loyalties.exportCardTransactions(fx.card.code, null, {}), 403, 'forbidden');
  assert.match(refused.details, /loyalties/);

  // A revoked token is refused, although the API key beside it is right.
  const revoke = await fetch(`${fx.url}/v1/oauth/token/revoke`, {
    method: 'POST',
    headers: { 'X-App-Id': fx.appId, 'X-App-Token': fx.appToken, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ access_token: token }),
  });
  assert.equal(revoke.status, 204);
  const revoked = await sdkError(() => sdk.distributions.exports.list(), 401, 'unauthorized');
  assert.match(revoked.details, /revoked/);
});
