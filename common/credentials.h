/* SPDX-License-Identifier: MIT */
/*
 * credentials.h - the rule for EPP login passwords (<pw>, <newPW>), in one
 * place for the configuration check (epp-gate --check-config), the login
 * builder and epp-sim's accounts.
 *
 * RFC 5730's schema makes pwType an xsd:token of 6 to 16 characters. The
 * gate keeps the minimum and allows up to 64, the longest that known
 * registries accept (several deploy a changed schema, 8 to 64 for one): a
 * longer password the registry takes must not be refused here.
 *
 * A token is what a validating parser keeps after collapsing whitespace, so a
 * password that collapsing would change (a tab or line break, a space at
 * either end, two spaces in a row) would not reach the registry as written:
 * refused. Single spaces inside are allowed, as the schema allows them.
 * Lengths count characters, as XML Schema does, not bytes.
 */
#ifndef EG_CREDENTIALS_H
#define EG_CREDENTIALS_H

#define CRED_PW_MIN 6      /* RFC 5730 pwType minLength */
#define CRED_PW_MAX 64     /* the longest known registries allow (the RFC's schema: 16) */

/*
 * NULL when pw (NUL-terminated) is a usable login password, else why not, as
 * the end of a sentence about it ("must be 6 to 64 characters long"). The
 * reason never holds the password.
 */
const char *cred_pw_problem(const char *pw);

#endif
