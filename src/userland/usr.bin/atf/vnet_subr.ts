/**
 * Our `tests/sys/common/vnet.subr`: the helpers FreeBSD's network test programs source with
 * `. $(atf_get_srcdir)/../common/vnet.subr`, written for VirtNet to the same contract (the function
 * names, arguments, output and the created_interfaces.lst / created_jails.lst bookkeeping that
 * vnet_cleanup undoes). Plain sh text, run by atf-sh; it is data here, nothing runs at import.
 */

export const VNET_SUBR = `# VNET and jail helpers for atf-sh test programs (VirtNet's own).

# Remember an interface for vnet_cleanup to destroy.
list_interface()
{
	echo "$1" >> created_interfaces.lst
}

# Forget an interface (it moved into a jail, which cleans it up).
unlist_interface()
{
	[ -f created_interfaces.lst ] || return 0
	_vnet_keep=$(grep -vx -- "$1" created_interfaces.lst)
	if [ -n "$_vnet_keep" ]; then
		echo "$_vnet_keep" > created_interfaces.lst
	else
		: > created_interfaces.lst
	fi
}

vnet_init()
{
	if [ "$(sysctl -i -n kern.features.vimage)" != 1 ]; then
		atf_skip "This test requires VIMAGE"
	fi
}

vnet_init_bridge()
{
	if ! kldstat -q -m if_bridge; then
		atf_skip "This test requires if_bridge"
	fi
}

# _vnet_check_req TYPE: skips the case unless if_TYPE is there (built in, or loadable).
_vnet_check_req()
{
	if kldstat -q -m "if_$1"; then
		return 0
	fi
	if ! kldload -n -q "if_$1"; then
		atf_skip "if_$1.ko is required to run this test."
	fi
}

# Creates an epair; prints its name without the trailing a (epair0a -> epair0).
vnet_mkepair()
{
	_vnet_if=$(ifconfig epair create)
	list_interface "$_vnet_if"
	list_interface "\${_vnet_if%a}b"
	echo "\${_vnet_if%a}"
}

vnet_mkbridge()
{
	_vnet_if=$(ifconfig bridge create)
	list_interface "$_vnet_if"
	echo "$_vnet_if"
}

vnet_mkvlan()
{
	_vnet_if=$(ifconfig vlan create)
	list_interface "$_vnet_if"
	echo "$_vnet_if"
}

vnet_mkloopback()
{
	_vnet_if=$(ifconfig lo create)
	list_interface "$_vnet_if"
	echo "$_vnet_if"
}

# vnet_mkjail NAME [IF ...]: a persistent vnet jail owning the interfaces.
vnet_mkjail()
{
	_vnet_jail=$1
	shift
	_vnet_args=
	for _vnet_if in "$@"; do
		_vnet_args="$_vnet_args vnet.interface=$_vnet_if"
		unlist_interface "$_vnet_if"
	done
	jail -c name="$_vnet_jail" persist vnet $_vnet_args
	echo "$_vnet_jail $*" >> created_jails.lst
}

# vnet_ifmove IF JAIL: moves an interface into a jail made by vnet_mkjail.
vnet_ifmove()
{
	ifconfig "$1" vnet "$2"
	unlist_interface "$1"
	_vnet_rows=
	while read _vnet_j _vnet_ifs; do
		if [ "$_vnet_j" = "$2" ]; then
			_vnet_ifs="$_vnet_ifs $1"
		fi
		_vnet_rows="$_vnet_rows$_vnet_j $_vnet_ifs
"
	done < created_jails.lst
	printf '%s' "$_vnet_rows" > created_jails.lst
}

# vnet_ifrename_jail JAIL IF NEWNAME
vnet_ifrename_jail()
{
	jexec "$1" ifconfig "$2" name "$3"
	_vnet_rows=
	while read _vnet_j _vnet_ifs; do
		if [ "$_vnet_j" = "$1" ]; then
			_vnet_new=
			for _vnet_if in $_vnet_ifs; do
				[ "$_vnet_if" = "$2" ] && _vnet_if=$3
				_vnet_new="$_vnet_new $_vnet_if"
			done
			_vnet_ifs=$_vnet_new
		fi
		_vnet_rows="$_vnet_rows$_vnet_j $_vnet_ifs
"
	done < created_jails.lst
	printf '%s' "$_vnet_rows" > created_jails.lst
}

# Destroys what the helpers created: the jails' interfaces, the jails, then the host's interfaces.
vnet_cleanup()
{
	if [ -f created_jails.lst ]; then
		while read _vnet_j _vnet_ifs; do
			for _vnet_if in $_vnet_ifs; do
				jexec "$_vnet_j" ifconfig "$_vnet_if" destroy
			done
			jail -r "$_vnet_j"
		done < created_jails.lst
		rm created_jails.lst
	fi
	if [ -f created_interfaces.lst ]; then
		for _vnet_if in $(cat created_interfaces.lst); do
			ifconfig "$_vnet_if" destroy
		done
		rm created_interfaces.lst
	fi
}
`

/**
 * Where a program in `dir` finds vnet.subr, spelt as it spells it: tests/sys/common/vnet.subr is
 * `../common/vnet.subr` from tests/sys/net but `../../common/vnet.subr` from tests/sys/net/bpf or
 * net/routing, and `../../sys/common/vnet.subr` from a program's own tests (sbin/route/tests), so
 * every depth up to the tree's is offered, both ways.
 */
export function vnetSubrPaths(dir: string): string[] {
  const paths: string[] = []
  for (let up = 1; up <= 4; up++) {
    paths.push(`${dir}/${'../'.repeat(up)}common/vnet.subr`)
    paths.push(`${dir}/${'../'.repeat(up)}sys/common/vnet.subr`)
  }
  return paths
}
