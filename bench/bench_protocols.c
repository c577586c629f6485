/* bench_protocols: the screening engine. (1) Evaluating one screening's decoded answers
 * against a loaded protocol of the ILO/EC adult labour set's size (6 dimensions of 10, 10, 16,
 * 9, 15 and 7 indicators = 67, 70 questions, readings A and the B ladder, 8 outcomes; built
 * here until the shipped one exists, then that one too), µs wall and CPU per evaluation;
 * target < 20 µs. (2) Encoding the result with its explanation (not part of the target).
 * (3) Loading every shipped protocol as the program starts (sp_protocols_load), ms; target
 * < 20 ms. Single thread, warm caches. Not a test.
 *
 *   make -s PROFILE=gcc build
 *   build/gcc/bench/bench_protocols [ITERATIONS]      (make bench builds it; default 200000) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "safepath/buf.h"
#include "safepath/init.h"
#include "safepath/protocol.h"

#include "clock.h"

static double cpu_s(void)
{
	return user_s() + sys_s();
}

static void report(const char *what, long n, double wall, double cpu, const char *unit,
		   double scale)
{
	printf("  %-48s %9.3f %s wall  %9.3f %s CPU\n", what, wall * scale / (double)n, unit,
	       cpu * scale / (double)n, unit);
}

static void die(const char *what, const struct sp_diag *d)
{
	fprintf(stderr, "bench_protocols: %s: %s %s\n", what, d->n ? d->items[0].pointer : "",
		d->n ? d->items[0].msg : "");
	exit(1);
}

static const int per_dim[6] = {10, 10, 16, 9, 15, 7};
static const char *const strengths[3] = {"strong", "medium", "weak"};

/* The ILO/EC-sized protocol as JSON text: indicator k of dimension d is found when question
 * q(d,k) is yes (every fifth also needs a second question), and every seventh also sits in
 * the next dimension, as debt bondage sits in D2 and D5. */
static char *ilo_sized(void)
{
	struct sp_buf b;
	sp_buf_init(&b, 1 << 22);
	const char *T = "{\"en\":\"t\",\"fr\":\"t\"}";
	int ok = !sp_buf_addf(&b, "{\"id\":\"bench-ilo-size\",\"version\":1,\"status\":\"local\","
				  "\"source\":\"bench\",\"languages\":[\"en\",\"fr\"],\"title\":%s,"
				  "\"summary\":%s,\"kind\":\"trafficking_indicators\",\"age_group\":\"any\","
				  "\"sections\":[{\"id\":\"s\",\"title\":%s,\"questions\":[",
			     T, T, T);
	for (int q = 0; q < 70; q++) {
		const char *type = q == 68 ? "number" : "yes_no";
		ok = ok && !sp_buf_addf(&b, "%s{\"id\":\"q%d\",\"type\":\"%s\",\"text\":%s,\"guidance\":"
				       "{\"look_for\":%s,\"how_to_ask\":%s,\"never_ask\":%s}%s%s}",
				       q ? "," : "", q, type, T, T, T, T,
				       q == 68 ? ",\"min\":0,\"max\":24" : "",
				       q == 30 ? ",\"show_if\":\"yes(q29)\"" : "");
	}
	ok = ok && !sp_buf_adds(&b, "]}],\"dimensions\":[");
	for (int d = 0; d < 6; d++)
		ok = ok && !sp_buf_addf(&b, "%s{\"id\":\"D%d\",\"title\":%s,\"element\":\"%s\"}",
				       d ? "," : "", d + 1, T, d < 3 ? "act+means" : d == 3 ? "purpose" : "means");
	ok = ok && !sp_buf_adds(&b, "],\"dimension_rule\":\"strong >= 2 or (strong >= 1 and medium "
				     "+ weak >= 1) or medium >= 3 or (medium >= 2 and weak >= 1)\","
				     "\"indicators\":[");
	int i = 0;
	for (int d = 0; d < 6; d++)
		for (int k = 0; k < per_dim[d]; k++, i++) {
			int q = i % 68, s = k == 0 ? 0 : k % 4 == 3 ? 2 : 1;
			char when[64];
			if (i % 5 == 4)
				snprintf(when, sizeof when, "yes(q%d) and not no(q%d)", q, (q + 1) % 68);
			else if (i == 40)
				snprintf(when, sizeof when, "num(q68) > 10");
			else
				snprintf(when, sizeof when, "yes(q%d)", q);
			ok = ok && !sp_buf_addf(&b, "%s{\"id\":\"i%d\",\"title\":%s,\"when\":\"%s\",\"in\":"
					       "[{\"dimension\":\"D%d\",\"strength\":\"%s\"}",
					       i ? "," : "", i, T, when, d + 1, strengths[s]);
			if (i % 7 == 6 && d < 5)
				ok = ok && !sp_buf_addf(&b, ",{\"dimension\":\"D%d\",\"strength\":\"strong\"}",
						       d + 2);
			ok = ok && !sp_buf_adds(&b, "]}");
		}
	ok = ok && !sp_buf_addf(
			   &b,
			   "],\"readings\":[{\"id\":\"A\",\"title\":%s,\"finding\":%s,\"when\":\"(dim(D1) or "
			   "dim(D2) or dim(D3)) and dim(D4) and (dim(D5) or dim(D6))\"},{\"id\":\"B\","
			   "\"title\":%s,\"steps\":[{\"id\":\"trafficked\",\"finding\":%s,\"when\":\"(dim(D1) "
			   "or dim(D2)) and dim(D4) and dim(D5)\"},{\"id\":\"deceived\",\"finding\":%s,"
			   "\"when\":\"dim(D1) and dim(D4)\"},{\"id\":\"exploited\",\"finding\":%s,\"when\":"
			   "\"dim(D4)\"}]}],\"outcomes\":[",
			   T, T, T, T, T, T);
	static const char *const outcomes[8][2] = {
		{"reading(A)", "\"needs\":[\"trafficking_identification\"],\"red_flags\":[\"trafficking_indicators\"],"
			       "\"referrals\":[{\"need\":\"trafficking_identification\",\"service\":\"national_referral_mechanism\"}],"
			       "\"tasks\":[{\"task\":\"refer_nrm\",\"priority\":\"urgent\",\"due_hours\":72}],"
			       "\"priority\":\"urgent\",\"intervention_level\":\"high\",\"placement\":[\"safe_shelter\"]"},
		{"step(B, deceived) or step(B, exploited)", "\"needs\":[\"labour_rights\"],\"priority\":\"soon\","
			       "\"referrals\":[{\"need\":\"labour_rights\",\"service\":\"labour_inspection\"}]"},
		{"dim(D5)", "\"red_flags\":[\"immediate_danger\"],\"needs\":[\"safety_planning\"],"
			       "\"tasks\":[{\"task\":\"safety_plan\",\"priority\":\"urgent\"}]"},
		{"found(i20) or found(i25)", "\"red_flags\":[\"documents_withheld\"]"},
		{"child() and fact(unaccompanied)", "\"needs\":[\"guardianship\"],\"tasks\":[{\"task\":"
			       "\"appoint_guardian\",\"priority\":\"urgent\",\"due_hours\":24}]"},
		{"presumed_child()", "\"needs\":[\"age_assessment\"]"},
		{"dim(D4) and not dim(D5)", "\"placement\":[\"community\",\"open_reception\"]"},
		{"yes(q69)", "\"needs\":[\"medical\"],\"intervention_level\":\"medium\""},
	};
	for (int o = 0; o < 8; o++)
		ok = ok && !sp_buf_addf(&b, "%s{\"id\":\"o%d\",\"when\":\"%s\",\"because\":%s,%s}",
				       o ? "," : "", o, outcomes[o][0], T, outcomes[o][1]);
	ok = ok && !sp_buf_adds(&b, "]}");
	if (!ok) {
		fprintf(stderr, "bench_protocols: the protocol does not fit\n");
		exit(1);
	}
	return sp_buf_detach(&b, NULL);
}

/* A screening: about a third yes, a third no, the rest unknown; hours 12. */
static void answers(const struct sp_protocol *p, struct sp_answers *ans)
{
	for (unsigned q = 0; q < p->n_questions; q++) {
		struct sp_answer *a = &ans->a[q];
		unsigned k = (q * 7) % 3;
		a->state = k == 2 ? SP_ANS_UNKNOWN : SP_ANS_GIVEN;
		if (p->questions[q].type == SP_Q_NUMBER)
			a->v.number = 12;
		else
			a->v.yes = k == 0;
	}
}

static void bench_eval(const char *name, const struct sp_protocol *p, long n)
{
	struct sp_answers ans;
	struct sp_result r;
	struct sp_facts f;
	sp_facts_init(&f);
	f.has_age = true;
	f.age = 27;
	f.age_unknown = f.age_disputed = SP_TRI_NO;
	if (sp_answers_init(&ans, p) || sp_result_init(&r, p))
		exit(1);
	answers(p, &ans);
	printf("%s@%d: %u questions, %u dimensions, %u indicators, %u readings, %u outcomes\n", name,
	       p->version, p->n_questions, p->n_dimensions, p->n_indicators, p->n_readings,
	       p->n_outcomes);
	unsigned sink = 0;
	double w0 = now_s(), c0 = cpu_s();
	for (long i = 0; i < n; i++) {
		sp_evaluate(p, &ans, &f, &r);
		sink += r.dimension[0] + r.n_needs;
	}
	report("evaluate (sp_evaluate)", n, now_s() - w0, cpu_s() - c0, "µs", 1e6);
	long m = n / 10 ? n / 10 : 1;
	struct sp_buf out;
	sp_buf_init(&out, 1 << 22);
	w0 = now_s();
	c0 = cpu_s();
	for (long i = 0; i < m; i++) {
		sp_buf_reset(&out);
		if (sp_result_json(&r, "en", &out))
			exit(1);
	}
	report("result JSON with explanation (sp_result_json)", m, now_s() - w0, cpu_s() - c0,
	       "µs", 1e6);
	printf("  (%zu bytes of result; checksum %u)\n", out.len, sink);
	sp_buf_free(&out);
	sp_result_free(&r);
	sp_answers_free(&ans);
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 200000;
	if (n <= 0 || sp_init() != SP_OK)
		return 2;
	struct sp_diag d;
	sp_diag_init(&d);
	struct sp_protocols *reg = NULL;
	if (sp_protocols_load(NULL, &reg, &d))
		die("shipped protocols", &d);
	char *text = ilo_sized();
	struct sp_protocol *p = NULL;
	if (sp_protocol_load(text, strlen(text), sp_protocols_vocab(reg), &p, &d))
		die("the ILO/EC-sized protocol", &d);
	printf("bench_protocols: %ld evaluations, single thread\n", n);
	bench_eval("ILO/EC-sized (built here)", p, n);
	const struct sp_protocol *shipped = sp_protocols_lookup(reg, "ilo-ec-adult-labour");
	if (shipped)
		bench_eval("shipped", shipped, n);

	/* start-up: every shipped protocol, as sp_protocols_load does it */
	size_t bytes = 0;
	for (size_t i = 0; i < sp_protocols_count(reg); i++)
		bytes += sp_protocols_at(reg, i)->file_len;
	printf("loading the shipped protocols: %zu protocols, %zu bytes\n", sp_protocols_count(reg),
	       bytes);
	long loads = 50;
	double w0 = now_s(), c0 = cpu_s();
	for (long i = 0; i < loads; i++) {
		struct sp_protocols *r2 = NULL;
		if (sp_protocols_load(NULL, &r2, &d))
			die("shipped protocols", &d);
		sp_protocols_free(r2);
	}
	report("sp_protocols_load (shipped, with codes.json)", loads, now_s() - w0, cpu_s() - c0,
	       "ms", 1e3);
	w0 = now_s();
	c0 = cpu_s();
	for (long i = 0; i < loads * 10; i++) {
		struct sp_protocol *q = NULL;
		if (sp_protocol_load(text, strlen(text), sp_protocols_vocab(reg), &q, &d))
			die("the ILO/EC-sized protocol", &d);
		sp_protocol_free(q);
	}
	char what[96];
	snprintf(what, sizeof what, "sp_protocol_load (ILO/EC-sized, %zu bytes)", strlen(text));
	report(what, loads * 10, now_s() - w0, cpu_s() - c0, "ms", 1e3);
	sp_protocol_free(p);
	free(text);
	sp_protocols_free(reg);
	sp_diag_free(&d);
	return 0;
}
