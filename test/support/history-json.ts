import { createRequire } from 'node:module';
import type * as proto from '@temporalio/proto';

type History = proto.temporal.api.history.v1.History;

/**
 * Parses `temporal workflow show --output json` into a History for `Worker.runReplayHistory`.
 * The SDK's own historyFromJSON fails in this install ("type must be a Type"): @temporalio/common
 * and @temporalio/proto each carry a copy of protobufjs, and protojson checks `instanceof` against
 * the other copy. Parsing with @temporalio/proto's own copy (loaded as CommonJS, as the SDK does)
 * sidesteps that.
 */
export function historyFromCliJson(json: unknown): History {
  const require = createRequire(import.meta.url);
  const requireFromProto = createRequire(require.resolve('@temporalio/proto'));
  const { fromJson } = requireFromProto('protobufjs/ext/protojson') as {
    fromJson(type: unknown, json: unknown, options: object): History | null;
  };
  const { patchProtobufRoot } = require('@temporalio/proto/lib/patch-protobuf-root') as {
    patchProtobufRoot<T>(root: T): T & { lookupType(name: string): unknown };
  };
  const root = patchProtobufRoot(require('@temporalio/proto'));
  const history = fromJson(root.lookupType('temporal.api.history.v1.History'), json, {
    ignoreUnknownFields: true,
  });
  if (!history) throw new TypeError('not a workflow history');
  return history;
}
