#!/bin/sh
# A pre-provisioning hook for tst_emulator_fleet: denies serial numbers starting with DENY,
# otherwise allows and overrides the Site parameter. Keeps its input for the test to read.
input=$(cat)
[ -n "$HOOK_INPUT_FILE" ] && printf '%s' "$input" > "$HOOK_INPUT_FILE"
case "$input" in
  *'"SerialNumber":"DENY'*) echo '{"allowProvisioning": false}' ;;
  *) echo '{"allowProvisioning": true, "parameterOverrides": {"Site": "line-7"}}' ;;
esac
