//! Who may reach the socket: by default the data directory's owner alone (mode 0600 on the
//! socket); with `[server] group`, that group may connect (socket 0660) and pass through the
//! data directory (0710: enter, but neither list nor read the store's files). Whether a member
//! may then do something is the server's decision, by role.

use std::ffi::CString;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use super::config::ServerConfig;
use crate::exit::{self, Failure};

/// The id of the group `name`.
fn group_id(name: &str) -> Result<u32, Failure> {
    let unknown = || {
        Failure::new(
            exit::CONFIG,
            format!("[server] group: there is no OS group named \"{name}\""),
        )
    };
    let c = CString::new(name).map_err(|_| unknown())?;
    let mut buf = vec![0u8; 16 * 1024];
    // SAFETY: getgrnam_r writes into `grp` and `buf`, both owned here, `buf` with the length
    // passed; `result` points at `grp` or is null. Only the id is read afterwards.
    unsafe {
        let mut grp: libc::group = std::mem::zeroed();
        let mut result: *mut libc::group = std::ptr::null_mut();
        let rc = libc::getgrnam_r(
            c.as_ptr(),
            &mut grp,
            buf.as_mut_ptr().cast(),
            buf.len(),
            &mut result,
        );
        if rc != 0 || result.is_null() {
            return Err(unknown());
        }
        Ok(grp.gr_gid)
    }
}

fn set_mode(path: &Path, mode: u32) -> Result<(), Failure> {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).map_err(|e| {
        Failure::new(
            exit::ERROR,
            format!("setting the permissions of {}: {e}", path.display()),
        )
    })
}

fn set_group(path: &Path, gid: u32) -> Result<(), Failure> {
    std::os::unix::fs::chown(path, None, Some(gid)).map_err(|e| {
        Failure::new(
            exit::ERROR,
            format!(
                "giving {} to the [server] group (the owner must be a member of it): {e}",
                path.display()
            ),
        )
    })
}

/// Sets the socket's and the data directory's permissions as configured.
pub fn apply(socket: &Path, data_dir: &Path, config: &ServerConfig) -> Result<(), Failure> {
    match &config.group {
        None => set_mode(socket, 0o600),
        Some(name) => {
            let gid = group_id(name)?;
            set_group(socket, gid)?;
            set_mode(socket, 0o660)?;
            set_group(data_dir, gid)?;
            set_mode(data_dir, 0o710)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_group_is_a_config_error_naming_it() {
        let e = group_id("no-such-group-kontra").unwrap_err();
        assert_eq!(e.code, exit::CONFIG);
        assert!(e.message.contains("no-such-group-kontra"));
    }

    #[test]
    fn without_a_group_the_socket_is_the_owners_alone() {
        let dir = tempfile::tempdir().unwrap();
        let sock = dir.path().join("s");
        std::fs::write(&sock, b"").unwrap();
        apply(&sock, dir.path(), &ServerConfig::default()).unwrap();
        let mode = std::fs::metadata(&sock).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
}
