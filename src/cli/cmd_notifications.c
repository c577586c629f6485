/* safepath notifications: one's own notifications (list, mark read) and the notifier's work
 * done now (deliver: the overdue deadlines notified, then every undelivered notification
 * written to the spool folder), as serve does every notify-interval-ms. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"
#include "safepath/deadline.h"
#include "safepath/notification.h"
#include "safepath/referral.h"

static int cmd_notifications(struct sp_cli *cli, int argc, char **argv);

const struct sp_cli_cmd sp_cli_cmd_notifications = {
	"notifications",
	"list or mark read one's notifications; deliver new ones to the spool folder now",
	"notifications list [--unread] [--after ID] [--limit N] --as USER\n"
	"       safepath notifications read ID --as USER\n"
	"       safepath notifications read --all --as USER\n"
	"       safepath notifications deliver\n"
	"list shows the newest first: what waits for USER by name and for a role USER holds in\n"
	"the agency. deliver notifies the deadlines and escalates the referrals now overdue,\n"
	"then writes each undelivered notification as one file into the notify-spool folder\n"
	"(default DATA/spool/notify);\n"
	"serve does the same every notify-interval-ms. Ids and kinds only: no names, no case data",
	cmd_notifications,
};

struct notif_args {
	bool unread, all;
	const char *after;
	long limit;
	struct sp_id id;
};

static void print_one(const struct sp_cli *cli, const struct sp_notification *n, json_t *arr)
{
	if (sp_cli_json_item(cli, sp_notification_encode(n), arr))
		return;
	char id[SP_ID_STRLEN + 1], at[SP_TIME_STRLEN + 1];
	sp_id_format(&n->id, id);
	sp_time_format(n->created_us, at);
	printf("%s  %.19sZ  %-6s %-18s %s\n", id, at, n->read_us ? "read" : "unread",
	       sp_notification_kind_name(n->kind), n->link[0] ? n->link : "-");
}

static int notif_list(struct sp_cli *cli, struct sp_app *app, const void *args,
		      struct sp_err *err)
{
	const struct notif_args *a = args;
	struct sp_notification page[SP_NOTIFICATION_PAGE_MAX];
	struct sp_id after, next;
	size_t n = 0;
	if (a->after && sp_id_parse(a->after, &after) != SP_OK)
		return sp_err_set(err, SP_EINVAL, "--after", "is not a notification id");
	int rc = sp_notification_list(app->store, &app->subject, a->unread,
				      a->after ? &after : NULL, page, (size_t)a->limit, &n, &next,
				      err);
	json_t *arr = rc || !cli->json ? NULL : json_array();
	for (size_t i = 0; !rc && i < n; i++)
		print_one(cli, &page[i], arr);
	if (!rc)
		sp_cli_print_page(arr, &next);
	json_decref(arr);
	return rc;
}

static int notif_read(struct sp_cli *cli, struct sp_app *app, const void *args,
		      struct sp_err *err)
{
	const struct notif_args *a = args;
	struct sp_notification n;
	int64_t marked = 0;
	if (a->all) {
		int rc = sp_notification_read_all(app->store, &app->subject, 0, &marked, err);
		if (!rc && cli->json) {
			json_t *j = json_pack("{s:I}", "marked", (json_int_t)marked);
			sp_cli_print_json(j);
			json_decref(j);
		} else if (!rc) {
			printf("%lld marked read\n", (long long)marked);
		}
		return rc;
	}
	int rc = sp_notification_read(app->store, &app->subject, &a->id, 0, &n, err);
	if (!rc)
		print_one(cli, &n, NULL);
	return rc;
}

static const struct sp_cli_sub subcommands[] = {
	{"list", notif_list, 0},
	{"read", notif_read, 1}, /* with --all: no ID */
	{NULL, NULL, 0},
};

/* deliver: the system's work, not a user's (no --as): it reads and writes ids only. */
static int notif_deliver(struct sp_cli *cli)
{
	struct sp_app app;
	struct sp_notifier nf = {0};
	struct sp_err err = {0};
	size_t overdue = 0, sent = 0;
	int rc = sp_app_open(cli, 0, &app);
	if (rc)
		return rc;
	int e = sp_cli_notifier_open(cli, &nf, &err);
	int64_t now = sp_now_us();
	size_t escalated = 0;
	if (!e)
		e = sp_deadline_notify_overdue(app.store, 0, now, &overdue, &err);
	if (!e)
		e = sp_referral_escalate(app.store, 0, now, &escalated, &err);
	overdue += escalated;
	if (!e)
		e = sp_notify_deliver(app.store, &nf, 0, 0, &sent, &err);
	if (e) {
		rc = sp_cli_fail(&err, "notifications deliver");
	} else if (cli->json) {
		json_t *j = json_pack("{s:I, s:I}", "overdue_notified", (json_int_t)overdue,
				      "delivered", (json_int_t)sent);
		sp_cli_print_json(j);
		json_decref(j);
	} else {
		printf("%zu overdue deadline(s) notified, %zu notification(s) delivered\n", overdue,
		       sent);
	}
	sp_notifier_close(&nf);
	if (sp_app_close(&app))
		rc = SP_EXIT_FAIL;
	return rc;
}

static int cmd_notifications(struct sp_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"unread", no_argument, NULL, 'u'},
		{"all", no_argument, NULL, 'a'},
		{"after", required_argument, NULL, 'A'},
		{"limit", required_argument, NULL, 'l'},
		{NULL, 0, NULL, 0},
	};
	const struct sp_cli_cmd *cmd = &sp_cli_cmd_notifications;
	if (sp_cli_wants_help(cmd, argc, argv))
		return SP_EXIT_OK;
	if (argc < 2)
		return sp_cli_usage(cmd, "notifications needs a subcommand");
	struct notif_args a = {.limit = 20};
	char *end = NULL;
	int ch;
	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc - 1, argv + 1, "", opts, NULL)) != -1) {
		if (ch == 'u') {
			a.unread = true;
		} else if (ch == 'a') {
			a.all = true;
		} else if (ch == 'A') {
			a.after = optarg;
		} else if (ch == 'l') {
			a.limit = strtol(optarg, &end, 10);
			if (!*optarg || *end || a.limit < 1 || a.limit > SP_NOTIFICATION_PAGE_MAX)
				return sp_cli_usage(cmd, "--limit must be 1 to %d",
						    SP_NOTIFICATION_PAGE_MAX);
		} else {
			return sp_cli_usage(cmd, "unknown option");
		}
	}
	int rest = argc - 1 - optind;
	if (strcmp(argv[1], "deliver") == 0) {
		if (rest || a.unread || a.all || a.after || a.limit != 20)
			return sp_cli_usage(cmd, "notifications deliver takes no option");
		return notif_deliver(cli);
	}
	const struct sp_cli_sub *sub = sp_cli_sub_find(subcommands, argv[1]);
	if (!sub)
		return sp_cli_usage(cmd, "no notifications subcommand '%s'", argv[1]);
	bool is_read = sub->run == notif_read;
	if ((a.unread || a.after || a.limit != 20) && is_read)
		return sp_cli_usage(cmd, "--unread, --after and --limit go with list");
	if (a.all && !is_read)
		return sp_cli_usage(cmd, "--all goes with read");
	int want = is_read && !a.all ? 1 : 0;
	if (rest != want)
		return sp_cli_usage(cmd, "notifications %s %s", sub->name,
				    want ? "needs one ID (or --all)" : "takes no argument");
	if (want && sp_id_parse(argv[1 + optind], &a.id) != SP_OK)
		return sp_cli_usage(cmd, "ID must be a notification id, as notifications list "
					 "prints it");
	return sp_cli_sub_run(cli, cmd, sub, &a);
}
