"""Every error text of the contract that the engine produces, in one place.

Clients match on these strings, so they are written once here and asserted literally by tests
(tests/test_messages.py fails when a message below is never asserted). Placeholders use
`str.format` fields.
"""

from __future__ import annotations

# --- HTTP pipeline and bodies -------------------------------------------------------------------
NOT_FOUND = "Not found"
METHOD_NOT_ALLOWED = "Method not allowed"
UNAUTHORIZED = "Unauthorized"
INTERNAL_ERROR = "Internal server error"
BODY_TOO_LARGE = "Request body too large"
REQUEST_BODY_REQUIRED = "Request body is required"
INVALID_JSON = "Invalid JSON"
BODY_EMPTY_OR_INVALID = "Request body is empty or invalid"
NO_VALID_FIELDS = "No valid fields to update"
PRECONDITION_FAILED = "Precondition failed: the record was changed by someone else"
INVALID_LIMIT = "limit must be an integer from 1 to 1000"
INVALID_CURSOR = "cursor is invalid or expired"
INVALID_INCLUDE = 'include must be "progress"'
CONCURRENT_UPDATE = "The record is being changed by others right now; try again"
BINARY_STORAGE_UNAVAILABLE = "Binary storage is unavailable right now; try again later"
METADATA_STORE_UNAVAILABLE = "The metadata store is busy or unavailable right now; try again later"
RECORD_TOO_LARGE = "The record is too large to store (at most 400 KB)"
NUMBER_OUT_OF_RANGE = (
    "Number {value} cannot be stored: numbers have at most 38 digits and lie within 1e-130 to "
    "1e125 in size"
)
JSON_TOO_DEEP = "Request body is nested too deeply (max 32 levels)"

# --- authentication -----------------------------------------------------------------------------
INVALID_JSON_BODY = "Invalid JSON body"
CREDENTIALS_REQUIRED = "email and password are required"
INVALID_CREDENTIALS = "Invalid email or password"
USER_NOT_FOUND = "User not found"
DUPLICATE_EMAIL = "A user with this email already exists"
DUPLICATE_USER_ID = "A user with this id already exists"
INVALID_EMAIL = "email must be an email address"
TOO_MANY_ATTEMPTS = "Too many attempts; try again later"
PASSWORD_TOO_SHORT = "password must be at least {limit} characters"
ROLE_INVALID = "role must be one of: member, lead"
DUPLICATE_HEADER = "Duplicate {header} header"
CLIENT_ADDRESS_INVALID = "{header} must be an IP address"
CURRENT_PASSWORD_WRONG = "Current password is incorrect"
USER_ID_RESERVED = "id {id} is reserved for an actor that is not a user"

# --- services: tokens and what service actors may not do (identity issue) -----------------------
SERVICE_NAME_INVALID = (
    "name must be 1-64 lower-case letters, digits or hyphens, starting and ending with a letter "
    "or digit"
)
SERVICE_TOKEN_NOT_FOUND = "Service token not found"
DUPLICATE_SERVICE_TOKEN = "A service token with this name already exists"
SERVICE_TOKEN_DAYS_INVALID = "expires-in must be a whole number of days from 1 to {limit}"
TOKEN_REQUIRED = "token is required"
SERVICE_CANNOT_REVIEW = "Service actors cannot approve or reject artifacts; a person reviews them"
SERVICE_CANNOT_COMPLETE = "Service actors cannot complete tasks; a person marks them done"

# --- team administration over the API (issue 17): leads manage users and service tokens ---------
LEAD_ONLY = "Only a lead can manage the team"
LAST_LEAD = "The team needs at least one lead; make someone else a lead first"
CANNOT_DEACTIVATE_SELF = "You cannot deactivate your own account; another lead can"
SERVICE_TOKEN_DAYS_FIELD_INVALID = "expiresInDays must be a whole number of days from 1 to {limit}"

# --- the portal (issue 14): its pages, CSRF and the broker in front of the engine ---------------
CSRF_FAILED = "CSRF check failed"
ENGINE_UNAVAILABLE = "The engine is unavailable; try again later"
ENGINE_REPLY_MALFORMED = "The engine sent a malformed reply"
# AWS Lambda carries at most 6 MB per invoke (src/dataops/aws.py).
REQUEST_TOO_LARGE_FOR_LAMBDA = (
    "Request body too large: at most {limit} bytes pass through the portal on AWS; upload large "
    "files straight to S3 with a direct upload session (POST /work/api/artifacts/uploads)"
)
ANSWER_TOO_LARGE_FOR_LAMBDA = (
    "The answer is larger than AWS Lambda can carry (6 MB); ask for it in pages (limit and cursor)"
)
PORTAL_FORM_TYPE = "Content-Type must be application/json or application/x-www-form-urlencoded"
PASSWORDS_DIFFER = "The new password and its confirmation differ"
PASSWORD_CHANGED = "Your password was changed; your other sessions were signed out."
PAGE_NOT_FOUND = "There is no page at this address."

# --- shared field rules -------------------------------------------------------------------------
MISSING_FIELD = "Missing required field: {field}"
INVALID_DATE = "Invalid date: {field} must be a YYYY-MM-DD calendar date"
INVALID_TIMESTAMP = "{field} must be an ISO 8601 timestamp"
MUST_BE_STRING = "{field} must be a string"
MUST_BE_BOOLEAN = "{field} must be a boolean"
MUST_BE_STRING_ARRAY = "{field} must be an array of strings"
MUST_BE_OBJECT = "{field} must be an object"
MUST_BE_ARRAY = "{field} must be an array"
MUST_BE_STRING_OR_OBJECT = "{field} must be a string or object"
MUST_BE_ONE_OF = "{field} must be one of: {values}"
TOO_LONG = "{field} is too long (max {limit})"
TOO_LARGE = "{field} is too large (max {limit} bytes)"
EXTRA_VALUE_INVALID = "{field} must be a string, number, boolean or an array of those"
LINK_NOT_HTTP = "{field} must be an http(s) URL"
LINK_SIGNED = "{field} must be stable and must not be a signed URL or tokenized URL"
URI_SCHEME = "{field} must use one of: https, http, s3, local-dev"
URI_WHITESPACE = "{field} must not contain spaces or control characters"
URI_CREDENTIALS = (
    "{field} must not carry credentials (a user name or password, or a key in its parameters)"
)
SECRET_VALUE = "{path} must not contain signed URLs or tokens"
NAMED_LINKS_INVALID = "{field} must be an array of objects with name and url"
REFS_INVALID = "{field} must be an array of objects with {id_field}"

# --- tasks --------------------------------------------------------------------------------------
TASK_NOT_FOUND = "Task not found"
TASK_STATUS_INVALID = "Invalid status. Must be 'todo', 'waiting', 'done', or 'archived'"
TASK_WAITING_FIELDS = "Waiting tasks require waitingFor and followUpAt"
VALIDATION_INVALID = "validation must be a string or object"
TASK_LIST_FILTER_REQUIRED = (
    "At least one filter is required: date, startDate+endDate, bundleId, or status"
)
TASK_RANGE_BOTH_REQUIRED = "Both startDate and endDate are required for range queries"
TASK_RANGE_TOO_LONG = "Date range must not exceed 366 days"
TASK_RANGE_REVERSED = "endDate must be greater than or equal to startDate"
PROOF_REQUIREMENT_NOT_OBJECT = "proofRequirement must be an object"
PROOF_REQUIREMENT_TYPE = (
    "proofRequirement.type must be one of: url, file, artifact, comment, external-status"
)
PROOF_REQUIREMENT_LABEL = "proofRequirement.label must be a string"
PROOF_REQUIREMENT_REQUIRED = "proofRequirement.required must be a boolean"
DONE_WITHOUT_LINK = "Cannot mark task as done: required link '{name}' is not filled"
TASK_HAS_FILES = "Task has files; delete them first"
DONE_WITHOUT_FILE = "Cannot mark task as done: required file has not been uploaded"
DONE_WITHOUT_PROOF = "Cannot mark task as done: required {kind} proof{label} is missing"
DONE_REQUIREMENT_CHANGED = (
    "Cannot mark task as done: its proof requirement changed; complete it with waiveProof and a "
    "reason"
)
WAIVE_PROOF_INVALID = "waiveProof must be an object with a non-empty reason"
WAIVE_PROOF_WITHOUT_DONE = "waiveProof is accepted only with status done"
WAIVE_PROOF_NOTHING_TO_WAIVE = (
    "Nothing to waive: the task's proof is complete; mark it done without waiveProof"
)
WAIVER_NEEDS_LEAD = "Only a lead can waive proof"
# Review separation (DATAOPS_REVIEW_POLICY=separate)
SELF_APPROVAL_REFUSED = (
    "An artifact cannot be approved by the person who created it; another person reviews it"
)
DELETE_NEEDS_LEAD = "Only a lead can delete a {what}"

# --- bundles ------------------------------------------------------------------------------------
BUNDLE_NOT_FOUND = "Bundle not found"
TEMPLATE_NOT_FOUND = "Template not found"
ANCHOR_DATE_FORMAT = "Invalid anchorDate format, expected YYYY-MM-DD"
BUNDLE_STAGE_INVALID = (
    "Invalid stage value. Must be one of: preparation, announced, after-event, done"
)
BUNDLE_STATUS_INVALID = "Invalid status value. Must be one of: active, archived"
BUNDLE_DELETE_NOT_ARCHIVED = "Only archived bundles can be deleted"

# --- artifacts (docs/api.md#artifacts) ------------------------------------------------------
ARTIFACT_NOT_FOUND = "Artifact not found"
ARTIFACT_TYPE_INVALID = (
    "type must be one of: podcast-doc, transcript, recording, report, invoice, event-page, "
    "assistant-output, external-link, other"
)
ARTIFACT_TITLE_INVALID = "title must be a non-empty string"
ARTIFACT_STATUS_INVALID = (
    "status must be one of: draft, needs-review, approved, rejected, archived, superseded"
)
STORAGE_URI_INVALID = "storageUri must be a non-empty string"
STORAGE_URI_NO_LOCATION = "storageUri must name a host or bucket and a path"
STORAGE_PROVIDER_INVALID = (
    "storageProvider must be one of: s3, dropbox, google-drive, github, external-url, local-dev, "
    "unknown"
)
STORAGE_PROVIDER_MISMATCH = "storageProvider {provider} does not match storageUri"
LOCAL_DEV_ARTIFACT_REFUSED = "local-dev artifact storage is allowed only in local/test mode"
CHECKSUM_INVALID = "checksum must be a non-empty string when present"
CHECKSUM_REQUIRED = "checksum is required for DataOps-owned s3 or local-dev artifacts"
SIZE_BYTES_INVALID = "sizeBytes must be a non-negative number"
VISIBILITY_INVALID = "visibility must be one of: public, internal, private, sensitive"
DATA_CLASS_INVALID = "dataClass must be one of: public, internal, private, sensitive"
SOURCE_TYPE_INVALID = (
    "sourceType must be one of: manual-link, manual-upload, assistant-output, import, migration, "
    "system"
)
METADATA_NOT_OBJECT = "metadata must be an object"
METADATA_TOO_LARGE = "metadata must be 4096 bytes or less"
METADATA_SECRET_KEY = "{path} must not contain secrets or signed URLs"
ATTACH_TARGET_REQUIRED = "taskId or bundleId is required"
ARTIFACT_TRANSITION = "Cannot change artifact status from {current} to {requested}"
AUDIT_ENTITY_REQUIRED = "entityId is required: GET /api/audit-events?entityId=<id>"

# --- files and binary storage (docs/api.md#files) -------------------------------------------------
FILE_NOT_FOUND = "File not found"
FILE_NOT_ON_DISK = "File not found on disk"
UPLOAD_NOT_MULTIPART = "Content-Type must be multipart/form-data"
UPLOAD_MALFORMED = "Malformed multipart/form-data body"
FILE_TOO_LARGE = "File too large: the limit is {limit} bytes; use a direct upload"
FILE_EMPTY = "Uploaded file is empty"
FILE_CATEGORY_INVALID = "Invalid category. Must be one of: image, invoice, document"
FILE_TAGS_INVALID = "Invalid tags format. Must be a JSON array."
UPLOAD_LOCAL_DISABLED = (
    "Production file upload requires configured durable storage; "
    "local filesystem storage is disabled"
)
DOWNLOAD_LOCAL_DISABLED = "Local filesystem downloads are disabled outside local/test mode"

# --- artifact binaries: downloads, direct uploads, assistant outputs (docs/api.md#artifacts) ------
ARTIFACT_NOT_STORED = "Artifact binary is not stored by DataOps; open its storageUri"
ARTIFACT_BINARY_MISSING = "Artifact binary not found"
UPLOAD_REQUEST_SIZE_INVALID = "sizeBytes must be a non-negative integer"
UPLOAD_REQUEST_TOO_LARGE = (
    "sizeBytes must be at most {limit} bytes (the largest single upload S3 accepts)"
)
UPLOAD_REQUEST_CHECKSUM_INVALID = "checksum must be sha256:<64 hex digits>"
DIRECT_UPLOAD_NEEDS_S3 = (
    "Direct uploads need S3 blob storage; this engine stores binaries on local disk "
    "(configure DATAOPS_BLOBS=s3://<bucket>[/<prefix>])"
)
UPLOAD_ID_INVALID = "uploadId must be a non-empty string"
UPLOAD_NOT_FOUND = "Upload not found"
UPLOAD_ALREADY_USED = "Upload was already registered as an artifact"
UPLOAD_EXPIRED = "Upload has expired; request a new one"
UPLOAD_OBJECT_MISSING = (
    "Uploaded object not found: PUT the file to the upload URL before registering it"
)
UPLOAD_SIZE_MISMATCH = "Uploaded object does not match the declared size"
UPLOAD_CHECKSUM_MISMATCH = "Uploaded object does not match the declared checksum"
UPLOAD_FIELD_FIXED = "{field} is set by the upload; leave it out or send the upload's value"
OUTPUT_NOT_FOUND = "Output not found: {path}"
OUTPUT_IS_DIRECTORY = "Output is a directory, not a file: {path}"
OUTPUT_NOT_REGULAR = "Output is not a regular file: {path}"
OUTPUT_UNREADABLE = "Output cannot be read: {path} ({reason})"
OUTPUT_CHANGED = "Output changed while it was being uploaded: {path}"
# ... registered through a remote engine's API (`register-output --remote`)
REMOTE_URL_INVALID = "--remote must be an http(s) URL: {url}"
REMOTE_TOKEN_MISSING = (
    "DATAOPS_SERVICE_TOKEN is not set: create a token with `dataops tokens create --name <name>` "
    "where the engine runs, and export it here"
)
REMOTE_ACTOR_FIXED = "--actor cannot be used with --remote: the service token says who acts"
REMOTE_REFUSED = "The engine at {url} answered {status}: {error}"
REMOTE_UNREACHABLE = "The engine at {url} cannot be reached: {reason}"
REMOTE_UPLOAD_FAILED = "The upload of the binary was refused ({status}); nothing was registered"
# Artifacts registered by hand that claim an object of the DataOps blob store
CLAIM_NOT_A_KEY = "storageUri points into the DataOps blob store but names no object key there"
CLAIM_TEMPORARY = "storageUri names a temporary file of an unfinished upload, not a stored object"
CLAIM_DIRECT_UPLOAD = "storageUri names a direct upload; register it with its uploadId"
CLAIM_OUTPUT = "storageUri names an assistant output; update the artifact registered for it"
CLAIM_FILE_BINARY = "storageUri is the binary of file {file_id}; register it with fileId {file_id}"
CLAIM_OBJECT_MISSING = "storageUri names no object in the DataOps blob store"
CLAIM_SIZE_MISMATCH = "sizeBytes does not match the size of the object at storageUri"
CLAIM_CHECKSUM_MISMATCH = "checksum does not match the SHA-256 of the object at storageUri"
CLAIM_CHECKSUM_UNVERIFIABLE = (
    "checksum cannot be verified: the object has no SHA-256 in S3 and is over {limit} bytes"
)

# --- templates, recurring configs, cron, notifications --------------------------------------------
TEMPLATE_DEFINITIONS_REQUIRED = "taskDefinitions must be a non-empty array"
TEMPLATE_DEFINITION_NOT_OBJECT = "taskDefinitions[{index}] must be an object"
TEMPLATE_DEFINITION_MISSING = "taskDefinitions[{index}] is missing required field: {field}"
TEMPLATE_STAGE_ON_COMPLETE = "{field} must be one of: preparation, announced, after-event, done"
TEMPLATE_PHASES_NOT_ARRAY = "phases must be an array"
TEMPLATE_PHASE_NOT_OBJECT = "phases[{index}] must be an object"
NON_EMPTY_STRING = "{field} must be a non-empty string"
MUST_BE_NUMBER = "{field} must be a number"
DAYS_OUT_OF_RANGE = "{field} must be from -{limit} to {limit} days"
TEMPLATE_LINK_DEFINITIONS = "bundleLinkDefinitions must be an array of objects with name"
TEMPLATE_TASK_DATE_OUT_OF_RANGE = (
    "Invalid date: anchorDate plus taskDefinitions[{index}].offsetDays is not a calendar date"
)
RECURRING_NOT_FOUND = "Recurring config not found"
RECURRING_DISABLED = "This recurring config is disabled; enable it to generate its tasks"
CRON_FIELD_COUNT = "Invalid {name} format: must have exactly 5 space-separated fields"
CRON_VALUE_OUT_OF_RANGE = "Invalid {name}: {field} value {value} is out of range {low}-{high}"
CRON_VALUE_INVALID = "Invalid {name}: {field} field has an invalid value '{part}'"
CRON_STEP_INVALID = "Invalid {name}: {field} step in '{part}' must be an integer from 1 to {high}"
CRON_RANGE_REVERSED = "Invalid {name}: {field} range '{part}' starts after it ends"
GENERATE_DATES_REQUIRED = "startDate and endDate are required"
GENERATE_DATES_FORMAT = "startDate and endDate must be in YYYY-MM-DD format"
GENERATE_RANGE_TOO_LONG = "Date range must not exceed 90 days"
NOTIFICATION_NOT_FOUND = "Notification not found"
CRON_LEAD_OUTSIDE_CALENDAR = "triggerLeadDays leads outside the calendar"
# The notification a failed scheduled run leaves (AWS: src/dataops/aws.py).
SCHEDULED_RUN_FAILED = "The scheduled {job} of {day} failed: {reason}"


# --- portable export and validation (docs/export-format.md) ---------------------------------------
# Writing (docs/export-format.md)
EXPORT_OUTPUT_DIR_NOT_CONFIGURED = "EXPORT_OUTPUT_DIR is not configured"
EXPORT_S3_UNSUPPORTED = "Exports to s3:// targets are not supported yet; use a local directory"
EXPORT_S3_TARGET_INVALID = "EXPORT_OUTPUT_DIR must name a bucket: s3://<bucket>[/<prefix>]"
EXPORT_TARGET_EXISTS = "Export target {path} already exists and is not empty"
EXPORT_WRITE_FAILED = "Export could not be written to {path}: {reason}"
EXPORT_WITHOUT_AUDIT_EVENTS = (
    "manifest lists no audit_events: an export without audit history (such as one from the "
    "reference service); done tasks are checked without their completion events"
)
# Validation (docs/export-format.md): manifest and files, rules 1-3 and 12
MANIFEST_INVALID = "manifest.json is missing or invalid: {reason}"
MANIFEST_SCHEMA_VERSION = "manifest schema_version must be dataops.execution.v1"
MANIFEST_FORMAT_VERSION = "manifest export_format_version must be 1"
MANIFEST_GENERATED_AT = "manifest generated_at must be a parseable date or timestamp"
MANIFEST_MISSING_ENTITY_FILE = "manifest missing entity file for {entity}"
MANIFEST_ENTITY_FILE_OUTSIDE = (
    "manifest entity file for {entity} must be a file name inside the export directory: {filename}"
)
ENTITY_FILE_MISSING = "{filename} is missing: {reason}"
ENTITY_FILE_CHECKSUM_MISMATCH = "{filename} checksum mismatch"
ENTITY_LINE_INVALID_JSON = "{filename} line {line} is invalid JSON: {reason}"
ENTITY_COUNT_MISMATCH = "{entity} count mismatch"
MANIFEST_MISSING_REDACTION = "manifest missing redaction marker {marker}"
MANIFEST_MISSING_OMITTED = "manifest missing omitted entity marker {marker}"
# Validation: records (rules 4-11 and 13; generic texts)
RECORD_NOT_OBJECT = "{ctx} must be an object"
RECORD_MISSING_STRING = "{ctx} missing required string field {field}"
RECORD_MISSING_FIELD = "{ctx} missing required field {field}"
RECORD_DUPLICATE_ID = "{entity} has duplicate {field}: {value}"
RECORD_NOT_STRING = "{ctx} field {field} must be a string when present"
RECORD_UNKNOWN_VALUE = "{ctx} field {field} has unknown value: {value}"
RECORD_NOT_STRING_ARRAY = "{ctx} field {field} must be an array of strings when present"
RECORD_NOT_NUMBER = "{ctx} field {field} must be a finite number when present"
RECORD_NOT_STRING_OR_OBJECT = "{ctx} field {field} must be a string or object when present"
RECORD_NOT_ARRAY = "{ctx} field {field} must be an array when present"
RECORD_NOT_OBJECT_FIELD = "{ctx} field {field} must be an object when present"
RECORD_NOT_BOOLEAN = "{ctx} field {field} must be a boolean when present"
RECORD_NOT_HTTP = "{ctx} field {field} must be an http(s) URL"
RECORD_BAD_SCHEME = "{ctx} field {field} must use one of: https, http, s3, local-dev"
RECORD_URI_WHITESPACE = "{ctx} field {field} must not contain spaces or control characters"
RECORD_EXTRA_NOT_SCALAR = (
    "{ctx} field {field} must be a string, number, boolean or an array of those"
)
RECORD_PROOF_TYPE = (
    "{ctx} field {field}.type must be one of: url, file, artifact, comment, external-status"
)
RECORD_PROOF_LABEL = "{ctx} field {field}.label must be a string when present"
RECORD_PROOF_REQUIRED = "{ctx} field {field}.required must be a boolean when present"
RECORD_MISSING_REFERENCE = "{ctx} references missing {field}: {value}"
RECORD_NOT_DATE = "{ctx} field {field} must be a YYYY-MM-DD date"
RECORD_NOT_TIMESTAMP = "{ctx} field {field} must be a parseable date or timestamp"
TASK_DONE_WITHOUT_LINK = "{ctx} cannot be done without required link {name}"
TASK_DONE_WITHOUT_FILE = "{ctx} cannot be done without an exported file proof"
TASK_DONE_WITHOUT_PROOF = "{ctx} cannot be done without required {kind} proof"
RECORD_SECRET_KEY = "{path} must not contain secrets or signed URLs"
RECORD_SIGNED_VALUE = "{path} must not contain signed URLs or tokens"
ARTIFACT_CHECKSUM_REQUIRED = "{ctx} checksum is required for DataOps-owned {provider} artifacts"
ARTIFACT_REVIEWED_AT_REQUIRED = "{ctx} reviewed_at is required for reviewed artifacts"
USER_PASSWORD_HASH = "{ctx} field {field} holds a password hash; password hashes are never exported"
# Validation: binary guard (rule 14) and warnings (rule 15)
RECORD_BULK_CONTENT = "{ctx} field {field} looks like binary or bulk content ({length} characters)"
WARN_ACTOR_NOT_EXPORTED = "{ctx} actor {value} is not an exported user"
WARN_DELETED_OR_EXTERNAL = "{ctx} references deleted or external {field}: {value}"
WARN_PROOF_NO_LONGER_HOLDS = "{ctx} was completed with proof that no longer holds"
WARN_TOO_LONG = "{ctx} field {field} is longer than the API accepts (max {limit})"
WARN_RECEIPT_ARTIFACT_STATUS = (
    "{ctx} (task {task}) was completed with artifact {artifact}, which is now {status}"
)
WARN_RECEIPT_ARTIFACT_MISSING = (
    "{ctx} (task {task}) was completed with artifact {artifact}, which the export does not hold"
)
WARN_RECEIPT_FILE_DELETED = (
    "{ctx} (task {task}) was completed with file {file}, which has been deleted"
)
WARN_TOO_LARGE = "{path} is larger than the API accepts (max {limit} bytes)"

# --- import and restore (docs/export-format.md) ---------------------------------------------------
IMPORT_EXPORT_INVALID = "Export {path} is invalid ({count} errors); nothing was imported"
IMPORT_STORE_NOT_EMPTY = (
    "The store already holds records that this export does not hold identically ({count}); "
    "import into an empty store, or pass --upsert to merge the export into it"
)
IMPORT_EXPORT_CHANGED = (
    "{filename} changed after it was validated; validate the export again and rerun the import"
)
IMPORT_VALIDATION_DIED = (
    "The validation of {path} ended without a report ({reason}); nothing was imported, run the "
    "import again"
)
IMPORT_FIELD_LEFT_OUT = (
    "{entity} field {field} is left out of the import (records holding it: {count}): export "
    "format version 1 has no such field, or not with such a value"
)
# Restore drill (dataops restore-drill): what a failed step reports
DRILL_DIRECTORY_OCCUPIED = "Restore drill directory {path} already exists and is not empty"
DRILL_EXPORT_INVALID = "the export is invalid ({count} errors), first: {first}"
DRILL_CHECKSUM_MISMATCH = (
    "{filename} differs after the restore: exported {expected}, restored {actual}"
)
DRILL_RECORDS_DIFFER = (
    "{what}: {listed} listed, {exported} exported (missing: {missing}; unexpected: {unexpected})"
)
DRILL_TEMPLATE_TASKS = "template {template} gave {actual} tasks for {expected} task definitions"
DRILL_PROOF_INCOMPLETE = (
    "task {task} is done but its proof is incomplete after the restore: {reason}"
)
DRILL_UNEXPECTED_ERROR = "{kind}: {detail}"
DRILL_FAILED = "Restore drill FAILED: {failed} of {count} checks failed"

# --- fixity (dataops verify-blobs, docs/data-safety.md#fixity) ----------------------------------
FIXITY_SUMMARY = (
    "Verified {checked} of {total} binaries ({size}) against their records{deep}: {missing} "
    "missing, {changed} changed, {orphaned} orphaned"
)
FIXITY_ALL_HOLD = "Every record holds."
FIXITY_SIZE_ONLY = (
    "{count} S3 objects keep no SHA-256 of their own: their size was checked; --deep reads them"
)
FIXITY_PROBLEM = "{finding:<9} {uri}{records}: {detail}"
FIXITY_RECEIPTS = "Completion receipts that name a binary that no longer verifies:"
FIXITY_RECEIPT = "  task {task}: {record} ({finding})"
