// SPDX-License-Identifier: MIT
/*
 * One line read the way wg(8) and wg-quick(8) each read it (features.md §1.5, §2.2). Each case
 * shows the fields as text|wg line|wg header|quick key|value|raw value|quick header|name,
 * with ~ for none and a header as - (none), I, P or O (other bracketed text).
 */
#include <stdio.h>
#include <string.h>

#include "model/config_line.h"
#include "tap.h"

static char header_letter(enum config_header h)
{
	return "-IPO"[h];
}

static void fields(char *buf, size_t cap, const struct config_line *l)
{
	if (l->nul) {
		snprintf(buf, cap, "NUL%s%s%s",
			 l->text[0] || l->wg.line[0] || l->quick.key[0] ? " and text" : "",
			 l->quick.value ? " and value" : "", l->name ? " and name" : "");
		return;
	}
	snprintf(buf, cap, "%s|%s|%c|%s|%s|%s|%c|%s", l->text, l->wg.line,
		 header_letter(l->wg.header), l->quick.key, l->quick.value ? l->quick.value : "~",
		 l->quick.raw_value ? l->quick.raw_value : "~", header_letter(l->quick.header),
		 l->name ? l->name : "~");
}

static struct config_line line;

static void check(unsigned int n, unsigned int lineno, const char *in, size_t len, const char *want)
{
	char got[512], name[64];

	snprintf(name, sizeof(name), "case %u", n);
	if (!ok(config_line_read(&line, in, len, lineno) == 0, "%s reads", name))
		return;
	fields(got, sizeof(got), &line);
	is_str(got, want, name);
}

#define T(n, lineno, in, want) check(n, lineno, in, sizeof(in) - 1, want)

static void test_views(void)
{
	T(1, 1, "", "||-||~|~|-|~");
	T(2, 2, "  \t\r", "||-||~|~|-|~");
	/* A BOM opening the file is not part of line 1, and only there. */
	T(3, 1, "\xef\xbb\xbf[Interface]\r", "[Interface]|[Interface]|I|[Interface]|~|~|I|~");
	T(4, 2, "\xef\xbb\xbf[Interface]",
	  "\xef\xbb\xbf[Interface]|\xef\xbb\xbf[Interface]|-|\xef\xbb\xbf[Interface]|~|~|-|~");
	T(5, 1, "\t\t\t\xef\xbb\xbf\t\t= alp",
	  "\xef\xbb\xbf\t\t= alp|\xef\xbb\xbf=alp|-|\xef\xbb\xbf|alp|alp|-|~");
	/* Headers: wg's bracket rule is on its whitespace-free text, wg-quick's on its key. */
	T(6, 3, "  [ Peer ]  # c", "[ Peer ]  # c|[Peer]|P|[ Peer ]|~|~|O|~");
	T(7, 3, "[interface] # c", "[interface] # c|[interface]|I|[interface]|~|~|I|~");
	T(8, 3, "[Interface] = x", "[Interface] = x|[Interface]=x|O|[Interface]|x|x|I|~");
	T(9, 3, "[Peer]junk", "[Peer]junk|[Peer]junk|O|[Peer]junk|~|~|O|~");
	T(10, 3, "[Interfaces]", "[Interfaces]|[Interfaces]|O|[Interfaces]|~|~|O|~");
	T(11, 3, "[Peer", "[Peer|[Peer|O|[Peer|~|~|O|~");
	T(12, 3, "[#Peer]", "[#Peer]|[|O|[|~|~|O|~");
	/* Keys and values: '#' starts a comment for both; hooks keep it in the raw value. */
	T(13, 4, "Private Key = abc # c",
	  "Private Key = abc # c|PrivateKey=abc|-|Private Key|abc|abc # c|-|~");
	T(14, 4, "PostUp = echo a=b # for bash",
	  "PostUp = echo a=b # for bash|PostUp=echoa=b|-|PostUp|echo a=b|echo a=b # for bash|-|~");
	T(15, 4, "PreUp =   # x", "PreUp =   # x|PreUp=|-|PreUp||# x|-|~");
	T(16, 4, "PostUp # = x", "PostUp # = x|PostUp|-|PostUp|~|~|-|~");
	T(17, 4, "Address", "Address|Address|-|Address|~|~|-|~");
	T(18, 4, " = x", "= x|=x|-||~|~|-|~");
	T(19, 4, "MTU=", "MTU=|MTU=|-|MTU|||-|~");
	T(20, 4, "; semicolon = literal",
	  "; semicolon = literal|;semicolon=literal|-|; semicolon|literal|literal|-|~");
	T(21, 4, "k:v = a:b", "k:v = a:b|k:v=a:b|-|k:v|a:b|a:b|-|~");
	/* wgctl's friendly names: only a whole-line "# Name = X" comment. */
	T(22, 5, "# Name = laptop of Alice ", "# Name = laptop of Alice||-||~|~|-|laptop of Alice");
	T(23, 5, "#name=phone", "#name=phone||-||~|~|-|phone");
	T(24, 5, "# Namex = y", "# Namex = y||-||~|~|-|~");
	T(25, 5, "# Name =", "# Name =||-||~|~|-|~");
	T(26, 5, "Endpoint = h:1 # Name = y",
	  "Endpoint = h:1 # Name = y|Endpoint=h:1|-|Endpoint|h:1|h:1 # Name = y|-|~");
	/* A NUL byte anywhere: nothing else is read from the line. */
	T(27, 2, "Listen\0Port = 1", "NUL");
	T(28, 1, "\xef\xbb\xbf\0", "NUL");
	T(29, 2, "# Name = x\0", "NUL");
}

static void test_matchers(void)
{
	static const struct {
		const char *in, *key,
			*wg; /* wg: the value config_line_wg_value finds, NULL: none */
		bool quick;
	} cases[] = {
		/* 1 */ { "ListenPort = 51820", "ListenPort", "51820", true },
		/* 2 */ { "listenport=51820", "ListenPort", "51820", true },
		/* 3 */ { "Listen Port = 1", "ListenPort", "1", false },
		/* 4 */ { "ListenPorts = 1", "ListenPort", NULL, false },
		/* 5 */ { "ListenPort", "ListenPort", NULL, false },
		/* 6 */ { "ListenPort # = 1", "ListenPort", NULL, false },
		/* 7 */ { "# ListenPort = 1", "ListenPort", NULL, false },
		/* 8 */ { "Address =", "Address", "", true },
		/* 9 */ { "Address = 10.0.0.1 # c", "Address", "10.0.0.1", true },
		/* 10 */ { "[Peer]", "Peer", NULL, false },
		/* 11 */ { "PostUp = a = b", "PostUp", "a=b", true },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); ++i) {
		const char *v;

		config_line_read(&line, cases[i].in, strlen(cases[i].in), 7);
		v = config_line_wg_value(&line, cases[i].key);
		ok(cases[i].wg ? v && !strcmp(v, cases[i].wg) : !v,
		   "matcher %zu: wg finds %s in `%s' (got %s)", i + 1,
		   cases[i].wg ? cases[i].wg : "nothing", cases[i].in, v ? v : "nothing");
		ok(config_line_quick_is(&line, cases[i].key) == cases[i].quick,
		   "matcher %zu: wg-quick %s `%s' as %s", i + 1,
		   cases[i].quick ? "reads" : "does not read", cases[i].in, cases[i].key);
	}
}

int main(void)
{
	config_line_init(&line);
	test_views();
	test_matchers();
	/* The memory is reused: a long line after short ones, then a short one again. */
	{
		char longline[5000];

		memset(longline, 'a', sizeof(longline));
		memcpy(longline, "PostUp=", 7);
		ok(config_line_read(&line, longline, sizeof(longline), 9) == 0 &&
			   strlen(line.quick.raw_value) == 4993 && strlen(line.wg.line) == 5000,
		   "a 5000-byte line");
		T(30, 10, "MTU = 1", "MTU = 1|MTU=1|-|MTU|1|1|-|~");
	}
	config_line_free(&line);
	return done_testing();
}
