//! The one rule for environment variable names that say they are secrets. `environment`
//! entries and env-file variables so named go into a Secret instead of being written as
//! plain values (see `env_secrets`).
//!
//! The rule, on the name split into words (runs of letters and digits, split again where a
//! lower-case letter meets an upper-case one, so `adminToken` is `admin`, `Token`), compared
//! without regard to case:
//!
//! 1. Some word is a secret word: one that ends in PASSWORD, PASSWD, PASSPHRASE, SECRET or
//!    TOKEN (`WEBPASSWORD`, `CLIENTSECRET`); or is PASS, PWD, KEY, SALT, CREDENTIAL,
//!    CREDENTIALS or CREDS; or is a key compound: APIKEY, ACCESSKEY, SECRETKEY, PRIVATEKEY,
//!    SIGNINGKEY, ENCRYPTIONKEY, MASTERKEY, LICENSEKEY. A name that is only `PWD` is the
//!    shell's working directory, not a password.
//! 2. No word after the last secret word says the value is about the secret rather than the
//!    secret itself: a path (FILE, PATH, DIR, …: `MYSQL_ROOT_PASSWORD_FILE=/run/secrets/db`
//!    names where the secret is), a duration or limit (`ACCESS_TOKEN_LIFETIME_MINUTES`,
//!    `API_KEY_RATE_LIMIT`), an address (`TOKEN_URL`), a name or type, or a switch
//!    (`PASSWORD_REQUIRED`).
//! 3. The name does not start with ALLOW, ENABLE or DISABLE: those are switches
//!    (`ALLOW_EMPTY_PASSWORD=yes`).
//!
//! Deliberately not secret words: AUTH (`GF_AUTH_ANONYMOUS_ENABLED`, `OIDC_AUTH_METHOD`,
//! `SMTP_AUTH=login` name a mechanism far more often than they hold a secret), PRIVATE
//! (`PRIVATE_BACKEND_URL`; `PRIVATE_KEY` is caught by KEY), and compounds that merely end in
//! KEY (`MONKEY`, `HOCKEY`) or start with it (`KEYCLOAK_URL`). A false positive costs
//! little, the value still reaches the container through the Secret; `x-kubernetes.
//! literalEnvironment` keeps a name literal.

/// Whether the environment variable `name` says it holds a secret (see the module doc).
pub fn names_a_secret(name: &str) -> bool {
    let words = words(name);
    if words.len() == 1 && words[0] == "PWD" {
        return false;
    }
    if words
        .first()
        .is_some_and(|first| SWITCHES.contains(&first.as_str()))
    {
        return false;
    }
    let Some(last_secret) = words.iter().rposition(|word| is_secret_word(word)) else {
        return false;
    };
    !words[last_secret + 1..]
        .iter()
        .any(|word| ABOUT_THE_SECRET.contains(&word.as_str()))
}

/// Words that hold a secret whatever precedes them in the same word.
const SECRET_ENDINGS: &[&str] = &["PASSWORD", "PASSWD", "PASSPHRASE", "SECRET", "TOKEN"];

/// Words that hold a secret only as whole words.
const SECRET_WORDS: &[&str] = &[
    "PASS",
    "PWD",
    "KEY",
    "SALT",
    "CREDENTIAL",
    "CREDENTIALS",
    "CREDS",
    "APIKEY",
    "ACCESSKEY",
    "SECRETKEY",
    "PRIVATEKEY",
    "SIGNINGKEY",
    "ENCRYPTIONKEY",
    "MASTERKEY",
    "LICENSEKEY",
];

/// Words after a secret word that make the value something about the secret: where it is,
/// how long it lives, how it is checked, or whether it is used.
const ABOUT_THE_SECRET: &[&str] = &[
    "FILE",
    "FILES",
    "PATH",
    "DIR",
    "FILEPATH",
    "FILENAME",
    "LENGTH",
    "LIFETIME",
    "TTL",
    "EXPIRY",
    "EXPIRATION",
    "EXPIRES",
    "TIMEOUT",
    "SECONDS",
    "MINUTES",
    "HOURS",
    "DAYS",
    "LIMIT",
    "RESET",
    "POLICY",
    "URL",
    "URI",
    "ENDPOINT",
    "NAME",
    "TYPE",
    "METHOD",
    "HEADER",
    "PREFIX",
    "ENABLED",
    "DISABLED",
    "REQUIRED",
];

/// First words that make a name a switch.
const SWITCHES: &[&str] = &["ALLOW", "ENABLE", "DISABLE"];

fn is_secret_word(word: &str) -> bool {
    SECRET_WORDS.contains(&word) || SECRET_ENDINGS.iter().any(|end| word.ends_with(end))
}

/// The words of a name, upper-cased: runs of ASCII letters and digits, split where a
/// lower-case letter or digit meets an upper-case letter.
fn words(name: &str) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut previous_lower = false;
    for c in name.chars() {
        if !c.is_ascii_alphanumeric() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            previous_lower = false;
            continue;
        }
        if c.is_ascii_uppercase() && previous_lower && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        previous_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        current.push(c.to_ascii_uppercase());
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_hold_secrets_are_caught() {
        for name in [
            "MYSQL_ROOT_PASSWORD",
            "POSTGRES_PASSWORD",
            "DB_PASS",
            "DB_PASSWD",
            "DB_PWD",
            "RABBITMQ_DEFAULT_PASS",
            "WEBPASSWORD",
            "LDAPAUTH_LDAPREADERPASSWORD",
            "FTLCONF_webserver_api_password",
            "LISTMONK_db__password",
            "database__connection__password",
            "SECRET_KEY",
            "SECRET_KEY_BASE",
            "APP_SECRET",
            "OIDC_CLIENT_SECRET",
            "GRAYLOG_PASSWORD_SECRET",
            "COOKIE_SECRET",
            "API_KEY",
            "OPENAI_APIKEY",
            "apiKey",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_ACCESS_KEY_ID",
            "MINIO_ACCESS_KEY",
            "LAGO_RSA_PRIVATE_KEY",
            "BASEROW_JWT_SIGNING_KEY",
            "WORDPRESS_AUTH_KEY",
            "WORDPRESS_AUTH_SALT",
            "REG_TOKEN",
            "tinybird__adminToken",
            "GITHUB_ACCESS_TOKEN",
            "GPG_PASSPHRASE",
            "GOOGLE_APPLICATION_CREDENTIALS_JSON",
            "ADMIN_PASSWORD_HASH",
            "GRAYLOG_ROOT_PASSWORD_SHA2",
            "DB PASSWORD",
        ] {
            assert!(names_a_secret(name), "{name} should be a secret");
        }
    }

    #[test]
    fn names_that_do_not_hold_secrets_are_not_caught() {
        for name in [
            "PWD",
            "DB_HOST",
            "DB_USER",
            "KEYCLOAK_URL",
            "MONKEY",
            "HOCKEY_TEAM",
            "MYSQL_ROOT_PASSWORD_FILE",
            "POSTGRES_PASSWORD_FILE",
            "KONG_PG_PASSWORD_FILE",
            "SSL_KEY_PATH",
            "EMAIL_SMTP_SSL_KEYFILE_PATH",
            "BASEROW_ACCESS_TOKEN_LIFETIME_MINUTES",
            "API_KEY_RATE_LIMIT",
            "OAUTH_TOKEN_URL",
            "CUSTOM_AUTH_CUSTOM_PASSWORD_RESET",
            "PASSWORD_MIN_LENGTH",
            "SALT_STORE_FILE_PATH",
            "SALT_STORE_TYPE",
            "ALLOW_EMPTY_PASSWORD",
            "ENABLE_REDIS_EMPTY_PASSWORD",
            "DISABLE_PRINTING_PLAINTEXT_CREDENTIALS",
            "AUTH_URL",
            "GF_AUTH_ANONYMOUS_ENABLED",
            "OIDC_AUTH_METHOD",
            "PRIVATE_BACKEND_URL",
            "TOKENIZER_MODEL",
            "PASSENGER_APP_ENV",
            "BYPASS_CACHE",
            "CONTENT_SECURITY_POLICY",
            "xpack.security.enabled",
            "",
        ] {
            assert!(!names_a_secret(name), "{name} should not be a secret");
        }
    }

    #[test]
    fn names_split_into_words_at_separators_and_case_changes() {
        assert_eq!(
            words("tinybird__adminToken"),
            ["TINYBIRD", "ADMIN", "TOKEN"]
        );
        assert_eq!(words("a.b-c d"), ["A", "B", "C", "D"]);
        assert_eq!(words("SHA2Sum"), ["SHA2", "SUM"]);
        assert_eq!(words("APIKey"), ["APIKEY"]);
    }
}
