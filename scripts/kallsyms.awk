# Turn `nm -n kernel` into an assembly table of text symbols for backtraces:
# kallsyms_addrs (sorted), kallsyms_offs (offset of each name) and the names.
BEGIN { n = 0 }
$2 ~ /^[Tt]$/ && $3 !~ /^\.L/ && $3 !~ /^_(start_image|etext)$/ { addr[n] = $1; name[n] = $3; n++ }
END {
	print ".section .kallsyms,\"a\""
	print ".balign 8"
	print ".globl kallsyms_count"
	print "kallsyms_count: .quad " n
	print ".globl kallsyms_addrs"
	print "kallsyms_addrs:"
	for (i = 0; i < n; i++) print "\t.quad 0x" addr[i]
	print ".globl kallsyms_offs"
	print "kallsyms_offs:"
	off = 0
	for (i = 0; i < n; i++) { print "\t.word " off; off += length(name[i]) + 1 }
	print ".globl kallsyms_names"
	print "kallsyms_names:"
	for (i = 0; i < n; i++) print "\t.asciz \"" name[i] "\""
}
