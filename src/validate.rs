//! Pure validation shared by checks: CIDR blocks (on `ipnet`) and region names.

use std::net::Ipv4Addr;

pub use ipnet::Ipv4Net as Cidr;

/// The number of addresses in `block`.
pub fn size(block: Cidr) -> u64 {
    1u64 << (32 - u32::from(block.prefix_len()))
}

/// The `index`-th sub-block of length `prefix` (None when it does not fit).
pub fn subnet(block: Cidr, prefix: u8, index: u32) -> Option<Cidr> {
    block.subnets(prefix).ok()?.nth(index as usize)
}

/// Parses `a.b.c.d/n` and requires a canonical network address and `min <= n <= max`.
pub fn cidr(s: &str, min: u8, max: u8) -> Result<Cidr, String> {
    let example = format!("such as 10.0.0.0/{min}");
    let (addr, prefix) = s
        .split_once('/')
        .ok_or_else(|| format!("{s:?} is not an IPv4 CIDR block: write it as address/prefix, {example}"))?;
    let addr: Ipv4Addr = addr
        .parse()
        .map_err(|_| format!("{s:?} is not an IPv4 CIDR block: {addr:?} is not an IPv4 address ({example})"))?;
    let prefix: u8 = prefix.parse().ok().filter(|p| *p <= 32).ok_or_else(|| {
        format!("{s:?} is not an IPv4 CIDR block: the prefix must be a number from 0 to 32 ({example})")
    })?;
    if prefix < min || prefix > max {
        return Err(format!("{s:?} is a /{prefix}; AWS allows blocks from /{min} to /{max} here ({example})"));
    }
    let block = Cidr::new(addr, prefix).map_err(|e| format!("{s:?} is not an IPv4 CIDR block: {e}"))?;
    if block.network() != addr {
        return Err(format!("{s:?} has host bits set: the block starting there is {}", block.trunc()));
    }
    Ok(block)
}

/// AWS regions tap knows (commercial, GovCloud and China partitions).
pub const REGIONS: &[&str] = &[
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "af-south-1",
    "ap-east-1",
    "ap-east-2",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-6",
    "ap-southeast-7",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ca-central-1",
    "ca-west-1",
    "eu-central-1",
    "eu-central-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-south-1",
    "eu-south-2",
    "eu-north-1",
    "il-central-1",
    "me-south-1",
    "me-central-1",
    "mx-central-1",
    "sa-east-1",
    "us-gov-east-1",
    "us-gov-west-1",
    "cn-north-1",
    "cn-northwest-1",
];

/// Accepts a known AWS region name (`xx-xxxx-N`).
pub fn region(s: &str) -> Result<(), String> {
    if REGIONS.contains(&s) {
        return Ok(());
    }
    let shaped = {
        let parts: Vec<&str> = s.split('-').collect();
        parts.len() >= 3
            && parts[..parts.len() - 1].iter().all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase()))
            && parts[parts.len() - 1].chars().all(|c| c.is_ascii_digit())
    };
    if shaped {
        Err(format!("{s:?} is not an AWS region tap knows; use one such as us-east-1, us-west-2 or eu-central-1"))
    } else {
        Err(format!("{s:?} is not an AWS region name: write it like us-east-1"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidr_accepts_canonical_blocks_in_range() {
        let c = cidr("10.0.0.0/16", 16, 28).expect("valid");
        assert_eq!(c.to_string(), "10.0.0.0/16");
        assert_eq!(subnet(c, 24, 1).map(|s| s.to_string()).as_deref(), Some("10.0.1.0/24"));
        assert!(c.contains(&cidr("10.0.0.0/24", 16, 28).expect("valid")));
        assert!(!c.contains(&cidr("10.1.0.0/24", 16, 28).expect("valid")));
        assert_eq!(subnet(c, 24, 256), None);
        assert_eq!(size(c), 65536);
    }

    #[test]
    fn cidr_rejections_say_what_is_wrong() {
        for (input, needle) in [
            ("10.0.0.0", "address/prefix"),
            ("10.0.0/16", "not an IPv4 address"),
            ("10.0.0.0/33", "prefix must be"),
            ("10.0.0.0/8", "from /16 to /28"),
            ("10.0.0.0/29", "from /16 to /28"),
            ("10.0.0.1/16", "host bits"),
            ("fd00::/16", "not an IPv4 address"),
        ] {
            let err = cidr(input, 16, 28).expect_err(input);
            assert!(err.contains(needle), "{input}: {err}");
        }
    }

    #[test]
    fn region_names() {
        assert!(region("eu-central-1").is_ok());
        assert!(region("us-gov-west-1").is_ok());
        assert!(region("mars-north-1").expect_err("unknown").contains("not an AWS region tap knows"));
        assert!(region("useast1").expect_err("bad").contains("like us-east-1"));
    }
}
