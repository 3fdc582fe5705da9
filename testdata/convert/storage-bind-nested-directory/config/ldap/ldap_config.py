LDAP_SERVER = "ldap://ldap"
