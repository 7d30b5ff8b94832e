//! The one way a Newsfeed service makes a request to the outside world
//! (webhook deliveries and feed polling), so that no URL a caller
//! hands us can reach inside the network Newsfeed runs in (SSRF).
//!
//! An [`OutboundPolicy`] refuses every address that is not public —
//! loopback, private (RFC 1918, IPv6 unique-local), link-local (with the
//! cloud metadata service 169.254.169.254), CGNAT, multicast, unspecified,
//! broadcast, documentation, benchmarking and reserved ranges, the IPv6
//! forms that embed such an IPv4 address (mapped, translated, NAT64, 6to4),
//! and the host's own addresses — unless it lies in one of the networks
//! `NEWSFEED_OUTBOUND_ALLOW_NETS` opens (tests, private deployments).
//!
//! An [`OutboundClient`] enforces it on every request: IP-literal hosts are
//! checked before the request is built (reqwest connects to them without
//! asking a resolver), names go through a resolver that returns only the
//! permitted addresses — so the connection goes to an address that was
//! checked, with no window for DNS rebinding — and redirects, environment
//! proxies and URLs with userinfo are refused.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use ipnet::IpNet;
use url::{Host, Url};

/// Outbound request settings every service takes.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct OutboundArgs {
    /// Networks outbound requests may reach although they are not public,
    /// comma-separated CIDRs (e.g. `10.20.0.0/16,127.0.0.0/8`); empty: public addresses only.
    #[arg(long, env = "NEWSFEED_OUTBOUND_ALLOW_NETS", default_value = "")]
    pub outbound_allow_nets: String,
}

impl OutboundArgs {
    /// The policy these settings describe; names the variable on error.
    pub fn policy(&self) -> anyhow::Result<OutboundPolicy> {
        let nets = parse_nets(&self.outbound_allow_nets)
            .map_err(|e| anyhow::anyhow!("NEWSFEED_OUTBOUND_ALLOW_NETS: {e}"))?;
        Ok(OutboundPolicy::new(nets))
    }
}

/// Reads `a/n,b/m`: CIDRs, or single addresses; host bits must be zero.
fn parse_nets(raw: &str) -> Result<Vec<IpNet>, String> {
    let mut nets = Vec::new();
    for item in raw.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let net = match item.parse::<IpNet>() {
            Ok(net) => net,
            Err(_) => match item.parse::<IpAddr>() {
                Ok(ip) => IpNet::from(ip),
                Err(_) => {
                    return Err(format!(
                        "`{item}` is not a CIDR such as 10.20.0.0/16 or fd00::/8"
                    ));
                }
            },
        };
        if net.trunc() != net {
            return Err(format!(
                "`{item}` has host bits set; did you mean {}?",
                net.trunc()
            ));
        }
        nets.push(net);
    }
    Ok(nets)
}

/// Why an address is not public.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `0.0.0.0/8`, `::`.
    Unspecified,
    /// `127.0.0.0/8`, `::1`.
    Loopback,
    /// RFC 1918, IPv6 unique-local `fc00::/7` and site-local `fec0::/10`.
    Private,
    /// CGNAT shared address space `100.64.0.0/10`.
    SharedCgnat,
    /// `169.254.0.0/16` (cloud metadata among them), `fe80::/10`.
    LinkLocal,
    /// `224.0.0.0/4`, `ff00::/8`.
    Multicast,
    /// `255.255.255.255`.
    Broadcast,
    /// TEST-NETs, `2001:db8::/32`, `3fff::/20`.
    Documentation,
    /// `198.18.0.0/15`, `2001:2::/48`.
    Benchmarking,
    /// Reserved or special-purpose: `240.0.0.0/4`, `192.0.0.0/24`, Teredo,
    /// anything outside IPv6 global unicast, ...
    Reserved,
    /// An address of this host.
    OwnAddress,
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Unspecified => "an unspecified address",
            Self::Loopback => "a loopback address",
            Self::Private => "a private address",
            Self::SharedCgnat => "a carrier-grade NAT address",
            Self::LinkLocal => "a link-local address",
            Self::Multicast => "a multicast address",
            Self::Broadcast => "the broadcast address",
            Self::Documentation => "a documentation address",
            Self::Benchmarking => "a benchmarking address",
            Self::Reserved => "a reserved address",
            Self::OwnAddress => "an address of this host",
        })
    }
}

/// Why the policy refused a URL; the text is safe to show to whoever sent it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    /// Not `http` or `https`.
    #[error("must use http or https")]
    Scheme,
    /// `user:password@` in the URL.
    #[error("must not contain a user name or password")]
    Userinfo,
    /// No host.
    #[error("has no host")]
    NoHost,
    /// An IP-literal host that is not public.
    #[error("{ip} is {kind}, which Newsfeed does not contact")]
    Address {
        /// The address.
        ip: IpAddr,
        /// What it is.
        kind: Kind,
    },
    /// A name that resolved to no address Newsfeed may contact (or did not
    /// resolve: the two are not told apart, so internal names stay unknown).
    #[error("`{host}` does not resolve to a public address")]
    Name {
        /// The name.
        host: String,
    },
}

/// Which addresses outbound requests may reach.
#[derive(Debug, Clone)]
pub struct OutboundPolicy {
    allowed: Arc<[IpNet]>,
    own: OwnAddresses,
}

/// Where the host's own addresses come from.
#[derive(Debug, Clone)]
enum OwnAddresses {
    /// The interfaces, listed at every check (addresses change).
    System,
    /// A fixed list (tests).
    #[cfg(test)]
    Fixed(Vec<IpAddr>),
}

impl OwnAddresses {
    fn list(&self) -> std::io::Result<Vec<IpAddr>> {
        match self {
            Self::System => Ok(if_addrs::get_if_addrs()?
                .iter()
                .map(if_addrs::Interface::ip)
                .collect()),
            #[cfg(test)]
            Self::Fixed(ips) => Ok(ips.clone()),
        }
    }
}

impl OutboundPolicy {
    /// Public addresses, and the non-public ones inside `allowed`.
    pub fn new(allowed: Vec<IpNet>) -> Self {
        Self {
            allowed: allowed.into(),
            own: OwnAddresses::System,
        }
    }

    /// Whether `url` may be requested, as far as can be told without DNS:
    /// http(s), no userinfo, and an IP-literal host must be permitted. A
    /// name is checked when the client resolves it.
    pub fn check_url(&self, url: &Url) -> Result<(), Refused> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(Refused::Scheme);
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(Refused::Userinfo);
        }
        match url.host() {
            Some(Host::Ipv4(ip)) => self.check_ip(IpAddr::V4(ip)),
            Some(Host::Ipv6(ip)) => self.check_ip(IpAddr::V6(ip)),
            Some(Host::Domain(d)) if !d.is_empty() => Ok(()),
            _ => Err(Refused::NoHost),
        }
    }

    /// [`Self::check_url`], and for a name, that it resolves now to at
    /// least one permitted address (an early answer for operators; every
    /// request checks again).
    pub async fn check_resolved(&self, url: &Url) -> Result<(), Refused> {
        self.check_url(url)?;
        let Some(Host::Domain(host)) = url.host() else {
            return Ok(());
        };
        let port = url.port_or_known_default().unwrap_or(0);
        let found = tokio::net::lookup_host((host, port))
            .await
            .map(Iterator::collect::<Vec<_>>)
            .unwrap_or_default();
        if found.iter().any(|a| self.check_ip(a.ip()).is_ok()) {
            Ok(())
        } else {
            Err(Refused::Name {
                host: host.to_owned(),
            })
        }
    }

    /// Whether a connection to `ip` is permitted.
    pub fn check_ip(&self, ip: IpAddr) -> Result<(), Refused> {
        let refuse = |kind| Err(Refused::Address { ip, kind });
        let kind = classify(ip);
        // Never a sensible destination, whatever is allowed.
        if let Some(k @ (Kind::Unspecified | Kind::Multicast | Kind::Broadcast)) = kind {
            return refuse(k);
        }
        if self.is_allowed(ip) {
            return Ok(());
        }
        if let Some(kind) = kind {
            return refuse(kind);
        }
        // Cannot tell whether it is ours: refuse rather than risk it.
        let Ok(own) = self.own.list() else {
            return refuse(Kind::OwnAddress);
        };
        let v4 = embedded_v4(ip).map(IpAddr::V4);
        if own.iter().any(|o| *o == ip || Some(*o) == v4) {
            return refuse(Kind::OwnAddress);
        }
        Ok(())
    }

    fn is_allowed(&self, ip: IpAddr) -> bool {
        let v4 = embedded_v4(ip).map(IpAddr::V4);
        self.allowed
            .iter()
            .any(|net| net.contains(&ip) || v4.is_some_and(|v4| net.contains(&v4)))
    }

    /// A client that enforces this policy on every request: at most
    /// `timeout` per request, no redirects, no proxies.
    pub fn client(&self, user_agent: &str, timeout: Duration) -> anyhow::Result<OutboundClient> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            // A redirect would lead to a URL nobody checked.
            .redirect(reqwest::redirect::Policy::none())
            // A proxy would connect for us, to wherever the name points then.
            .no_proxy()
            .dns_resolver(Arc::new(PolicyResolver(self.clone())))
            .user_agent(user_agent)
            .build()
            .context("building the outbound HTTP client")?;
        Ok(OutboundClient {
            http,
            policy: self.clone(),
        })
    }
}

/// An HTTP client bound to an [`OutboundPolicy`]; the raw client is never
/// handed out, so no request escapes the policy.
#[derive(Debug, Clone)]
pub struct OutboundClient {
    http: reqwest::Client,
    policy: OutboundPolicy,
}

impl OutboundClient {
    /// The policy it enforces.
    pub fn policy(&self) -> &OutboundPolicy {
        &self.policy
    }

    /// A `method` request to `url`, if the policy permits `url`.
    pub fn request(
        &self,
        method: reqwest::Method,
        url: &Url,
    ) -> Result<reqwest::RequestBuilder, Refused> {
        self.policy.check_url(url)?;
        Ok(self.http.request(method, url.clone()))
    }

    /// A POST to `url`, if the policy permits `url`.
    pub fn post(&self, url: &Url) -> Result<reqwest::RequestBuilder, Refused> {
        self.request(reqwest::Method::POST, url)
    }

    /// A GET of `url`, if the policy permits `url`.
    pub fn get(&self, url: &Url) -> Result<reqwest::RequestBuilder, Refused> {
        self.request(reqwest::Method::GET, url)
    }
}

/// The policy's refusal inside a failed request's causes, when that is why
/// it failed (the resolver refused every address of the name).
pub fn refusal<'a>(error: &'a (dyn std::error::Error + 'static)) -> Option<&'a Refused> {
    let mut cause = Some(error);
    while let Some(e) = cause {
        if let Some(r) = e.downcast_ref::<Refused>() {
            return Some(r);
        }
        cause = e.source();
    }
    None
}

/// Resolves names and keeps only the addresses the policy permits.
struct PolicyResolver(OutboundPolicy);

impl reqwest::dns::Resolve for PolicyResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let policy = self.0.clone();
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found: Vec<SocketAddr> = match tokio::net::lookup_host((host.as_str(), 0)).await {
                Ok(addrs) => addrs.collect(),
                Err(_) => Vec::new(),
            };
            let permitted: Vec<SocketAddr> = found
                .into_iter()
                .filter(|a| policy.check_ip(a.ip()).is_ok())
                .collect();
            if permitted.is_empty() {
                let refused: Box<dyn std::error::Error + Send + Sync> =
                    Box::new(Refused::Name { host });
                return Err(refused);
            }
            let addrs: reqwest::dns::Addrs = Box::new(permitted.into_iter());
            Ok(addrs)
        })
    }
}

/// What kind of non-public address `ip` is; `None` when it is public.
pub fn classify(ip: IpAddr) -> Option<Kind> {
    match ip {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => classify_v6(v6),
    }
}

fn classify_v4(ip: Ipv4Addr) -> Option<Kind> {
    let kind = match ip.octets() {
        [0, ..] => Kind::Unspecified, // "this network"; 0.0.0.0 reaches this host
        [10, ..] => Kind::Private,
        [100, b, ..] if b & 0xc0 == 64 => Kind::SharedCgnat,
        [127, ..] => Kind::Loopback,
        [169, 254, ..] => Kind::LinkLocal,
        [172, b, ..] if b & 0xf0 == 16 => Kind::Private,
        [192, 0, 0, _] => Kind::Reserved, // IETF protocol assignments
        [192, 0, 2, _] | [198, 51, 100, _] | [203, 0, 113, _] => Kind::Documentation,
        [192, 88, 99, _] => Kind::Reserved, // 6to4 relay anycast (deprecated)
        [192, 168, ..] => Kind::Private,
        [198, b, ..] if b & 0xfe == 18 => Kind::Benchmarking,
        [255, 255, 255, 255] => Kind::Broadcast,
        [a, ..] if a >= 240 => Kind::Reserved,
        [a, ..] if a >= 224 => Kind::Multicast,
        _ => return None,
    };
    Some(kind)
}

fn classify_v6(ip: Ipv6Addr) -> Option<Kind> {
    if ip.is_unspecified() {
        return Some(Kind::Unspecified);
    }
    if ip.is_loopback() {
        return Some(Kind::Loopback);
    }
    // An embedded IPv4 address is what the packets finally reach.
    if let Some(v4) = embedded_v4(IpAddr::V6(ip)) {
        return classify_v4(v4);
    }
    let s = ip.segments();
    let kind = match s {
        [a, ..] if a & 0xff00 == 0xff00 => Kind::Multicast,
        [a, ..] if a & 0xffc0 == 0xfe80 => Kind::LinkLocal,
        [a, ..] if a & 0xffc0 == 0xfec0 => Kind::Private, // site-local (deprecated)
        [a, ..] if a & 0xfe00 == 0xfc00 => Kind::Private, // unique-local
        [0x2001, 0x0db8, ..] => Kind::Documentation,
        [a, ..] if a & 0xfff0 == 0x3ff0 => Kind::Documentation, // 3fff::/20
        [0x2001, 0x0002, 0, ..] => Kind::Benchmarking,
        // IETF protocol assignments (Teredo, ORCHID, ...) and SRv6 SIDs.
        [0x2001, b, ..] if b < 0x0200 => Kind::Reserved,
        [0x5f00, ..] => Kind::Reserved,
        // NAT64 local-use prefix: may translate to private IPv4.
        [0x0064, 0xff9b, 0x0001, ..] => Kind::Reserved,
        // Everything outside global unicast 2000::/3.
        [a, ..] if a & 0xe000 != 0x2000 => Kind::Reserved,
        _ => return None,
    };
    Some(kind)
}

/// The IPv4 address an IPv6 address stands for: IPv4-mapped `::ffff:a.b.c.d`,
/// IPv4-translated `::ffff:0:a.b.c.d`, IPv4-compatible `::a.b.c.d`, NAT64
/// `64:ff9b::a.b.c.d` and 6to4 `2002:aabb:ccdd::`.
fn embedded_v4(ip: IpAddr) -> Option<Ipv4Addr> {
    let IpAddr::V6(ip) = ip else {
        return None;
    };
    let s = ip.segments();
    let v4 = |hi: u16, lo: u16| {
        let [a, b] = hi.to_be_bytes();
        let [c, d] = lo.to_be_bytes();
        Ipv4Addr::new(a, b, c, d)
    };
    match s {
        [0, 0, 0, 0, 0, 0xffff, hi, lo]
        | [0, 0, 0, 0, 0xffff, 0, hi, lo]
        | [0x0064, 0xff9b, 0, 0, 0, 0, hi, lo] => Some(v4(hi, lo)),
        // `::` and `::1` are themselves, not IPv4-compatible forms.
        [0, 0, 0, 0, 0, 0, hi, lo] if hi != 0 || lo > 1 => Some(v4(hi, lo)),
        [0x2002, hi, lo, ..] => Some(v4(hi, lo)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(allow: &str) -> OutboundPolicy {
        OutboundPolicy {
            allowed: parse_nets(allow).unwrap().into(),
            own: OwnAddresses::Fixed(vec!["203.0.114.7".parse().unwrap()]),
        }
    }

    #[test]
    fn refuses_every_kind_of_non_public_address() {
        use Kind::*;
        let p = policy("");
        let table: &[(&str, Kind)] = &[
            ("0.0.0.0", Unspecified),
            ("0.1.2.3", Unspecified),
            ("::", Unspecified),
            ("127.0.0.1", Loopback),
            ("127.255.255.254", Loopback),
            ("::1", Loopback),
            ("10.0.0.1", Private),
            ("172.16.0.1", Private),
            ("172.31.255.255", Private),
            ("192.168.1.1", Private),
            ("fc00::1", Private),
            ("fd12:3456::1", Private),
            ("fec0::1", Private),
            ("100.64.0.1", SharedCgnat),
            ("100.127.255.255", SharedCgnat),
            ("169.254.169.254", LinkLocal),
            ("169.254.0.1", LinkLocal),
            ("fe80::1", LinkLocal),
            ("febf::1", LinkLocal),
            ("224.0.0.1", Multicast),
            ("239.255.255.250", Multicast),
            ("ff02::1", Multicast),
            ("255.255.255.255", Broadcast),
            ("192.0.2.1", Documentation),
            ("198.51.100.1", Documentation),
            ("203.0.113.1", Documentation),
            ("2001:db8::1", Documentation),
            ("3fff::1", Documentation),
            ("198.18.0.1", Benchmarking),
            ("198.19.255.255", Benchmarking),
            ("2001:2::1", Benchmarking),
            ("240.0.0.1", Reserved),
            ("192.0.0.1", Reserved),
            ("192.88.99.1", Reserved),
            ("2001::1", Reserved),          // Teredo
            ("2001:20::1", Reserved),       // ORCHIDv2
            ("100::1", Reserved),           // discard-only
            ("64:ff9b:1::a00:1", Reserved), // NAT64 local use
            ("5f00::1", Reserved),
            ("4000::1", Reserved),
            // IPv6 forms of IPv4 addresses are what they embed.
            ("::ffff:127.0.0.1", Loopback),
            ("::ffff:10.1.2.3", Private),
            ("::ffff:169.254.169.254", LinkLocal),
            ("::ffff:0.0.0.0", Unspecified),
            ("::ffff:0:127.0.0.1", Loopback),
            ("::127.0.0.1", Loopback),
            ("::192.168.0.1", Private),
            ("64:ff9b::10.0.0.1", Private),
            ("64:ff9b::a9fe:a9fe", LinkLocal),
            ("2002:7f00:1::", Loopback),
            ("2002:c0a8:101::1", Private),
            ("203.0.114.7", OwnAddress),
            ("::ffff:203.0.114.7", OwnAddress),
        ];
        for (text, kind) in table {
            let ip: IpAddr = text.parse().unwrap();
            assert_eq!(
                p.check_ip(ip),
                Err(Refused::Address { ip, kind: *kind }),
                "{text}"
            );
        }
    }

    #[test]
    fn permits_public_addresses() {
        let p = policy("");
        for text in [
            "8.8.8.8",
            "1.1.1.1",
            "100.63.255.255",
            "100.128.0.0",
            "172.15.255.255",
            "172.32.0.0",
            "192.169.0.1",
            "198.17.255.255",
            "198.20.0.0",
            "223.255.255.255",
            "2606:4700:4700::1111",
            "2a00:1450:4001::200e",
            "::ffff:8.8.8.8",
            "64:ff9b::8.8.8.8",
            "2002:808:808::1",
        ] {
            assert_eq!(p.check_ip(text.parse().unwrap()), Ok(()), "{text}");
        }
    }

    #[test]
    fn allowed_nets_open_their_ranges_only() {
        let p = policy("127.0.0.0/8, 10.20.0.0/16,fd00::/8,203.0.114.7");
        for text in [
            "127.0.0.1",
            "127.1.2.3",
            "::ffff:127.0.0.1",
            "10.20.3.4",
            "fd00::5",
            "203.0.114.7",
        ] {
            assert_eq!(p.check_ip(text.parse().unwrap()), Ok(()), "{text}");
        }
        for text in ["10.21.0.1", "::1", "169.254.169.254", "fc00::1"] {
            assert!(p.check_ip(text.parse().unwrap()).is_err(), "{text}");
        }
        // Unspecified, multicast and broadcast stay refused even when allowed.
        let p = policy("0.0.0.0/0,::/0");
        for text in ["0.0.0.0", "::", "224.0.0.1", "ff02::1", "255.255.255.255"] {
            assert!(p.check_ip(text.parse().unwrap()).is_err(), "{text}");
        }
        assert_eq!(p.check_ip("10.0.0.1".parse().unwrap()), Ok(()));
    }

    #[test]
    fn allow_nets_setting_is_validated_naming_the_variable() {
        for bad in ["10.0.0.0/33", "localhost", "10.0.0.1/8", "10.0.0.0/8;"] {
            let args = OutboundArgs {
                outbound_allow_nets: bad.to_owned(),
            };
            let err = args.policy().unwrap_err().to_string();
            assert!(err.starts_with("NEWSFEED_OUTBOUND_ALLOW_NETS: "), "{err}");
        }
        let args = OutboundArgs {
            outbound_allow_nets: " 127.0.0.0/8 , ::1 ,".to_owned(),
        };
        assert_eq!(args.policy().unwrap().allowed.len(), 2);
        assert!(OutboundArgs::default().policy().unwrap().allowed.is_empty());
    }

    #[test]
    fn odd_ways_of_writing_loopback_in_urls_are_refused() {
        let p = policy("");
        for raw in [
            "http://127.0.0.1:8080/hook",
            "http://127.1/",
            "http://127.0.1/",
            "http://2130706433/",
            "http://0x7f.1/",
            "http://0x7f000001/",
            "http://017700000001/",
            "http://0177.0.0.1/",
            "http://127.0.0.1./",
            "http://0/",
            "http://[::1]:8080/",
            "http://[::ffff:127.0.0.1]/",
            "http://[::ffff:7f00:1]/",
            "http://[0:0:0:0:0:ffff:127.0.0.1]/",
            "http://[::127.0.0.1]/",
            "https://169.254.169.254/latest/meta-data/",
            "http://[fe80::1]/",
            "http://10.0.0.1/",
            "http://0xa000001/",
            "http://%31%32%37.0.0.1/",
        ] {
            let url = Url::parse(raw).unwrap();
            assert!(
                matches!(p.check_url(&url), Err(Refused::Address { .. })),
                "{raw} parsed as {url} was not refused"
            );
        }
    }

    #[test]
    fn urls_need_http_a_host_and_no_userinfo() {
        let p = policy("127.0.0.0/8");
        let check = |raw: &str| p.check_url(&Url::parse(raw).unwrap());
        assert_eq!(check("https://hooks.example/in?x=1"), Ok(()));
        assert_eq!(check("http://127.0.0.1:9/"), Ok(()));
        assert_eq!(check("ftp://hooks.example/"), Err(Refused::Scheme));
        assert_eq!(check("file:///etc/passwd"), Err(Refused::Scheme));
        assert_eq!(
            check("http://user:hunter2@hooks.example/"),
            Err(Refused::Userinfo)
        );
        assert_eq!(check("http://user@hooks.example/"), Err(Refused::Userinfo));
        assert_eq!(check("http://:pass@hooks.example/"), Err(Refused::Userinfo));
        let shown = Refused::Userinfo.to_string();
        assert!(!shown.contains("hunter2"), "{shown}");
    }

    async fn local_server() -> (u16, tokio::task::JoinHandle<usize>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let served = tokio::spawn(async move {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            let mut accepted = 0;
            while let Ok(Ok((mut s, _))) =
                tokio::time::timeout(Duration::from_millis(500), listener.accept()).await
            {
                accepted += 1;
                let mut buf = [0u8; 4096];
                let _ = s.read(&mut buf).await;
                let answer = "HTTP/1.1 302 Found\r\nlocation: http://10.0.0.1/\r\ncontent-length: 0\r\nconnection: close\r\n\r\n";
                let _ = s.write_all(answer.as_bytes()).await;
            }
            accepted
        });
        (port, served)
    }

    #[tokio::test]
    async fn the_client_refuses_names_that_resolve_inside_and_never_connects() {
        let (port, served) = local_server().await;
        let client = OutboundPolicy::new(Vec::new())
            .client("test", Duration::from_secs(5))
            .unwrap();
        let url = Url::parse(&format!("http://localhost:{port}/")).unwrap();
        let err = client.get(&url).unwrap().send().await.unwrap_err();
        assert_eq!(
            refusal(&err),
            Some(&Refused::Name {
                host: "localhost".into()
            }),
            "{err:?}"
        );
        let literal = Url::parse(&format!("http://127.0.0.1:{port}/")).unwrap();
        assert!(matches!(client.get(&literal), Err(Refused::Address { .. })));
        assert_eq!(served.await.unwrap(), 0, "the local server was contacted");
    }

    #[tokio::test]
    async fn allowed_names_connect_and_redirects_are_not_followed() {
        let (port, served) = local_server().await;
        let client = parse_nets("127.0.0.0/8")
            .map(OutboundPolicy::new)
            .unwrap()
            .client("test", Duration::from_secs(5))
            .unwrap();
        let url = Url::parse(&format!("http://localhost:{port}/")).unwrap();
        let answer = client.get(&url).unwrap().send().await.unwrap();
        assert_eq!(answer.status(), 302, "the redirect was followed");
        assert_eq!(served.await.unwrap(), 1);
    }
}
