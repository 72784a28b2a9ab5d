//! Which peers may say who the client is (`X-Forwarded-For`), and so the
//! client address that anonymous budgets are counted against.

use std::net::IpAddr;

use actix_web::dev::ServiceRequest;

/// Addresses and networks (`10.0.0.0/8`, `::1`) of trusted reverse proxies.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<(IpAddr, u8)>);

impl TrustedProxies {
    /// Parses `address` or `address/prefix` entries.
    pub fn parse<S: AsRef<str>>(entries: &[S]) -> Result<Self, String> {
        let mut nets = Vec::new();
        for entry in entries {
            let entry = entry.as_ref().trim();
            let (addr, prefix) = match entry.split_once('/') {
                Some((addr, prefix)) => (addr, Some(prefix)),
                None => (entry, None),
            };
            let addr: IpAddr = addr.parse().map_err(|_| {
                format!("server.trusted_proxies: '{entry}' is not an IP address or network")
            })?;
            let max = if addr.is_ipv4() { 32 } else { 128 };
            let prefix = match prefix {
                None => max,
                Some(p) => p.parse::<u8>().ok().filter(|p| *p <= max).ok_or_else(|| {
                    format!("server.trusted_proxies: '{entry}' has a bad prefix length")
                })?,
            };
            nets.push((addr, prefix));
        }
        Ok(Self(nets))
    }

    /// Whether `ip` is one of the proxies.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0
            .iter()
            .any(|(net, prefix)| match (canonical(*net), ip) {
                (IpAddr::V4(net), IpAddr::V4(ip)) => {
                    masked(u32::from(net).into(), *prefix, 32)
                        == masked(u32::from(ip).into(), *prefix, 32)
                }
                (IpAddr::V6(net), IpAddr::V6(ip)) => {
                    masked(u128::from(net), *prefix, 128) == masked(u128::from(ip), *prefix, 128)
                }
                _ => false,
            })
    }
}

fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

fn masked(bits: u128, prefix: u8, width: u8) -> u128 {
    if prefix == 0 {
        return 0;
    }
    let shift = u32::from(width - prefix);
    let all = if width == 128 {
        u128::MAX
    } else {
        (1u128 << width) - 1
    };
    bits & (all >> shift << shift)
}

/// The client's address: the peer's, unless the peer is a trusted proxy,
/// in which case the right-most `X-Forwarded-For` hop that is not itself
/// a trusted proxy.
pub fn client_ip(req: &ServiceRequest, trusted: &TrustedProxies) -> Option<IpAddr> {
    let peer = req.peer_addr().map(|a| a.ip())?;
    if !trusted.contains(peer) {
        return Some(peer);
    }
    let hops: Vec<IpAddr> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|hop| hop.trim().parse().ok())
        .collect();
    Some(
        hops.iter()
            .rev()
            .find(|hop| !trusted.contains(**hop))
            .or(hops.first())
            .copied()
            .unwrap_or(peer),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trusted_proxies_match_addresses_and_networks() {
        let trusted = TrustedProxies::parse(&["10.0.0.0/8", "::1", "192.168.1.7"]).unwrap();
        assert!(trusted.contains("10.1.2.3".parse().unwrap()));
        assert!(!trusted.contains("11.1.2.3".parse().unwrap()));
        assert!(trusted.contains("::1".parse().unwrap()));
        assert!(trusted.contains("192.168.1.7".parse().unwrap()));
        assert!(trusted.contains("::ffff:10.0.0.1".parse().unwrap()));
        assert!(!trusted.contains("192.168.1.8".parse().unwrap()));
        assert!(TrustedProxies::parse(&["nonsense"]).is_err());
        assert!(TrustedProxies::parse(&["10.0.0.0/33"]).is_err());
        let all = TrustedProxies::parse(&["0.0.0.0/0"]).unwrap();
        assert!(all.contains("8.8.8.8".parse().unwrap()));
    }
}
