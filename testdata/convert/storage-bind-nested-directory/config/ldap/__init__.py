import ldap
