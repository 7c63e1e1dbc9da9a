export { states, READY_STATES, UNREADY_STATES, EXCEPTION_STATES, PROPAGATE_STATES, ALL_STATES } from './states.js';
export { precedence, isMoreFinal, isReady, isExceptionState, isPropagateState } from './states.js';
export type { State, BuiltinState } from './states.js';

export {
  ResultkitError,
  DecodeError,
  EncodeError,
  ContentDisallowedError,
  ValueTooLargeError,
  TimeoutError,
  AbortError,
  ConfigurationError,
  AdapterNotInstalledError,
  BackendUnavailableError,
  BackendOperationError,
  StoreContendedError,
  NotSupportedError,
  BackendClosedError,
  timeoutError,
} from './errors.js';
export { Secrets, scrubError, backendError, isTlsFailure } from './scrub.js';
export type { FailureKind, BackendErrorInit } from './scrub.js';
export { RemoteTaskError } from './remote-task-error.js';
export type { RemoteTaskErrorInit } from './remote-task-error.js';

export { PyDecimal, PyUUID, PyDate, PyTime, PyDatetime, PyTuple } from './python-values.js';
export { formatDateDone, parseDateDone } from './date-done.js';
export { daysInMonth, utcFromFields } from './utc-fields.js';
export { encodeException, decodeException, NODE_EXCEPTION_MODULE } from './exception-codec.js';
export type { ExceptionDocument } from './exception-codec.js';
export { asyncResultTuple, groupResultTuple, refToTuple, tupleToRef } from './result-tuple.js';
export type { ResultTuple, ResultRef } from './result-tuple.js';
export { toDocument, fromDocument, pendingMeta, metaException } from './task-meta.js';
export { groupToDocument, groupFromDocument } from './group-document.js';
export { CeleryKeys, TASK_KEY_PREFIX, GROUP_KEY_PREFIX, globalKeyPrefix } from './celery-keys.js';
export type { KeyPrefixStyle } from './celery-keys.js';
export { decodeStoredMeta, decodeStoredMetaOrError, isStoredSuccess } from './adapter/stored-document.js';
export { importOptional, importDriver } from './plumbing/optional-import.js';
export { TRANSIENT_SOCKET_CODES, errorChain, isTransientSocketError } from './plumbing/transient-errors.js';
export { asBuffer } from './plumbing/bytes.js';
export type { TaskMeta } from './task-meta.js';
export type { TaskRequest } from './task-request.js';
export type { TaskProperties } from './task-properties.js';

export type { Serializer, EncodeOptions } from './codec/serializer.js';
export type { Compressor, CompressOptions, DecompressOptions } from './codec/compressor.js';
export { CodecRegistry } from './codec/registry.js';
export { Codec, MAX_VALUE_SIZE } from './codec/codec.js';
export { MAX_NESTING_DEPTH, nestingTooDeepMessage } from './codec/nesting.js';
export type { CodecOptions } from './codec/codec.js';
export {
  COMPRESSED_PAYLOAD_MAGIC,
  isCompressedPayload,
  readCompressedPayload,
  writeCompressedPayload,
  type CompressedPayload,
} from './codec/frame.js';
export * from './codec/json/index.js';

export type {
  AdapterCapabilities,
  BackendAdapter,
  ChordPart,
  ChordProgress,
  GroupMeta,
  PushChannel,
  PushListener,
  AdapterStoreOptions,
} from './adapter/contract.js';

export { AsyncResult } from './awaiting/async-result.js';
export type { GetOptions, ResultSource } from './awaiting/async-result.js';
export { ResultSet } from './awaiting/result-set.js';
export { GroupResult } from './awaiting/group-result.js';
export type { WaitOptions } from './awaiting/wait-options.js';

export { ResultBackend } from './result-backend.js';
export type { ResultBackendConfig, StoreOptions, CallOptions } from './result-backend.js';
export { withRetry, DEFAULT_RETRY_POLICY } from './retry.js';
export type { RetryPolicy } from './retry.js';

export { MemoryAdapter, memoryAdapter } from './memory/memory-adapter.js';
export { MemoryStore } from './memory/memory-store.js';

export { createBackend, createCodec, loadAdapter, DEFAULT_ACCEPT, DEFAULT_EXPIRES } from './create-backend.js';
export type { BackendOptions, AdapterOptions, AdapterContext, AdapterFactory } from './backend-options.js';
export { DEFAULT_CONNECT_TIMEOUT, resolveConnectTimeout } from './backend-options.js';
export { redactUrl, schemeOf } from './url.js';
export { adapterPackageFor, knownSchemes } from './adapter-packages.js';

export type { EntryKind, EntryRef, StoredEntry, EntryPage, ScanOptions, WriteOutcome, WriteEntriesOptions, StoredEntries } from './adapter/stored-entries.js';
export { migrate } from './migrate/migrate.js';
export type { MigrateOptions, MigrationProgress, MigrationReport, EntryDifferences } from './migrate/migrate.js';
export { verifyMigration } from './migrate/verify.js';
export type { VerifyOptions, VerificationReport } from './migrate/verify.js';
export { MigrationLossError } from './migrate/migration-loss-error.js';
export { compareDocuments } from './migrate/compare-documents.js';
export type { DocumentDifference } from './migrate/compare-documents.js';
export { decodeEntryExactly, encodeEntryExactly, decodeBytesExactly } from './migrate/exact-document.js';
export { mirrorBackend, MirrorAdapter, MirrorWriteError } from './mirror/mirror-backend.js';
export type { MirrorOptions, MirrorSide } from './mirror/mirror-backend.js';
