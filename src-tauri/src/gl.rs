//! The tray process turns GTK's OpenGL off before GTK starts.
//!
//! On X11, GTK 3 probes GLX while it opens the display, to pick the best
//! visual for GL windows (`_gdk_x11_screen_update_visuals_for_gl` in
//! gdk/x11/gdkvisual-x11.c, GNOME/gtk branch gtk-3-24): Mesa loads its
//! driver and, with it, LLVM: about 30 MB of the tray's PSS for windows it
//! never shows (it draws no window at all: the panel draws the icon and the
//! menu). `GDK_GL=disable` skips that probe (gdk/gdk.c reads `GDK_GL`
//! with the keys `disable`, `always`, ... in every GTK 3 build; `GDK_DEBUG`
//! only in debug builds). The dashboard process needs GL for WebKit, so it
//! gets the user's own value back (see [`crate::dashboard::Inherit`]).

use crate::dashboard::Inherit;

/// Sets `GDK_GL=disable` for this process unless the user set `GDK_GL`,
/// and returns what the dashboard process must inherit instead. Call it
/// first in `main`, before any thread or GTK exists.
pub fn disable_for_tray() -> Inherit {
    let gdk_gl = std::env::var_os("GDK_GL");
    if gdk_gl.is_none() {
        std::env::set_var("GDK_GL", "disable");
    }
    Inherit { gdk_gl }
}
