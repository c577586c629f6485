# init puts the master key outside the data folder with tight modes; key rotate, backup and
# restore work from the command line; a key path inside the data folder is refused.
. "$(dirname "$0")/lib.sh"

expect 0 "$SP" init --agency-code SYS
has "one-time password:"
[ "$(mode_of keys)" = 700 ] || die "keys folder mode $(mode_of keys)"
[ "$(mode_of keys/master.key)" = 600 ] || die "key file mode $(mode_of keys/master.key)"
[ "$(mode_of var)" = 700 ] || die "data folder mode $(mode_of var)"
[ "$(mode_of var/safepath.db)" = 600 ] || die "database mode $(mode_of var/safepath.db)"
[ -f keys/persons.db ] || die "no person-key store beside the key file"
[ -e var/master.key ] && die "a key landed in the data folder"

expect 1 "$SP" init
has "already set up" "$WORK/err"

# a key file inside the data folder, even through .., is refused and nothing is made
expect 1 "$SP" --data d2 --key-file d2/../d2/k/master.key init
[ -e d2 ] && die "a refused init left the data folder behind"

# rotate: a new data-key version
expect 0 "$SP" --json key rotate
has '"data_key_version":2'

# backup under a recovery passphrase, lose the key, restore it
expect 0 "$SP" key backup --recovery-fd 3 master.backup 3<<<"correct horse battery staple"
[ "$(mode_of master.backup)" = 600 ] || die "backup mode $(mode_of master.backup)"
cp keys/master.key key.orig
rm keys/master.key
expect 1 "$SP" key rotate
has "no master key" "$WORK/err"
expect 1 "$SP" key restore --recovery-fd 3 master.backup 3<<<"wrong passphrase"
[ -e keys/master.key ] && die "a wrong recovery passphrase wrote a key"
expect 0 "$SP" key restore --recovery-fd 3 master.backup 3<<<"correct horse battery staple"
cmp -s keys/master.key key.orig || die "restored key differs"
expect 0 "$SP" --json key rotate
has '"data_key_version":3'

# the data folder copied alone opens nothing: no key in it, and another key is refused
cp -r var elsewhere
expect 1 "$SP" --data elsewhere --key-file nokeys/master.key key rotate
mkdir -p other && "$SP" --data other-data --key-file other/master.key init >/dev/null 2>&1
expect 1 "$SP" --data elsewhere --key-file other/master.key key rotate
has "does not open" "$WORK/err"
echo ok
