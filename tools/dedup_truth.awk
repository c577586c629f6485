# Pairs of persons measured against tools/gen_persons' truth (docs/dedup.md): the first file
# is `safepath demo --generated`'s map (record_id,cluster,case_number,person_id, a header
# line), the second the pairs, one a line, "PERSON_A,PERSON_B" as hexadecimal ids (with or
# without hyphens). Prints "TRUE FALSE": the pairs whose two persons are one cluster, and the
# others. Usage: awk -F, -f tools/dedup_truth.awk map.csv pairs.txt
NR == FNR {
	if (FNR > 1) {
		id = tolower($4)
		gsub(/-/, "", id)
		cluster[id] = $2
	}
	next
}
{
	a = tolower($1)
	b = tolower($2)
	gsub(/-/, "", a)
	gsub(/-/, "", b)
	if ((a in cluster) && (b in cluster) && cluster[a] == cluster[b])
		tp++
	else
		fp++
}
END { print tp + 0, fp + 0 }
