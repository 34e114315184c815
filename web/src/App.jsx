// The app: sign-in gate, sidebar, and the open conversation (its id lives in the URL).
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { ChatInterface } from "./components/ChatInterface.jsx";
import { Sidebar } from "./components/Sidebar.jsx";
import { SignIn } from "./components/SignIn.jsx";
import { config } from "./config.js";
import { browserDraftStore, useChat } from "./hooks/useChat.js";
import { useConversations } from "./hooks/useConversations.js";
import { useSearch } from "./hooks/useSearch.js";
import { auth } from "./services/auth.js";
import { createChatApi } from "./services/chat_api.js";
import { download, exportFile } from "./services/export.js";
import { createLiveConnection } from "./services/live.js";

/** Whether a media query matches, following changes (a rotated phone, a resized window). */
function useMediaQuery(query) {
  const [matches, setMatches] = useState(() => window.matchMedia?.(query).matches ?? false);
  useEffect(() => {
    const list = window.matchMedia?.(query);
    if (!list) return undefined;
    const changed = () => setMatches(list.matches);
    list.addEventListener("change", changed);
    return () => list.removeEventListener("change", changed);
  }, [query]);
  return matches;
}

const idFromUrl = () => new URLSearchParams(window.location.search).get("c");

function setUrl(conversationId, replace = false) {
  const url = conversationId ? `/?c=${encodeURIComponent(conversationId)}` : "/";
  window.history[replace ? "replaceState" : "pushState"]({}, "", url);
}

function SignedIn({ user, setUser }) {
  const token = useRef(user.token);
  const liveRef = useRef(null);
  token.current = user.token;
  const api = useMemo(
    () =>
      createChatApi({
        baseUrl: config.apiUrl,
        getToken: () => token.current,
        renewToken: async () => {
          const renewed = await auth.renew();
          if (renewed) {
            token.current = renewed.token;
            setUser(renewed);
            liveRef.current?.reconnect(); // the socket was opened with the old token
          }
          return renewed;
        },
      }),
    // The api object lives as long as the signed-in user.
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [user.sub],
  );
  // One live connection per signed-in tab; listeners are the open conversation's.
  const [liveStatus, setLiveStatus] = useState("connecting");
  const live = useMemo(() => {
    const listeners = new Set();
    const connection = createLiveConnection({
      url: config.wsUrl,
      getToken: () => token.current,
      onEvent: (event) => listeners.forEach((listener) => listener(event)),
      onStatus: (status) => {
        setLiveStatus(status);
        // Back after a drop: events may have been missed; listeners re-read what they show.
        if (status === "open") listeners.forEach((listener) => listener({ type: "connection.open" }));
      },
    });
    return {
      subscribe(listener) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      reconnect: () => connection.reconnect(),
      close: () => connection.close(),
    };
    // The connection lives as long as the signed-in user.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [user.sub]);
  liveRef.current = live;
  useEffect(() => () => live.close(), [live]);
  useEffect(() => {
    const online = () => live.reconnect();
    window.addEventListener("online", online);
    return () => window.removeEventListener("online", online);
  }, [live]);
  const [conversationId, setConversationId] = useState(idFromUrl);
  const [sidebarOpen, setSidebarOpen] = useState(false);
  // On a phone the sidebar is a drawer: closed, it is inert (no focus, no screen reader);
  // open, Escape or a tap outside closes it and focus goes back to the menu button.
  const narrow = useMediaQuery("(max-width: 768px)");
  const menuButton = useRef(null);
  const drawer = useRef(null);
  const closeDrawer = useCallback(() => {
    setSidebarOpen(false);
    menuButton.current?.focus();
  }, []);
  useEffect(() => {
    if (!sidebarOpen || !narrow) return undefined;
    drawer.current?.querySelector("button")?.focus();
    const onKey = (event) => event.key === "Escape" && closeDrawer();
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [sidebarOpen, narrow, closeDrawer]);
  const [agents, setAgents] = useState([]);
  const [agentType, setAgentType] = useState("");
  const conversations = useConversations(api);
  const search = useSearch(api);
  const draftStore = useMemo(() => browserDraftStore(user.sub), [user.sub]);

  useEffect(() => {
    const onPop = () => setConversationId(idFromUrl());
    window.addEventListener("popstate", onPop);
    return () => window.removeEventListener("popstate", onPop);
  }, []);
  useEffect(() => {
    api
      .agents()
      .then((body) => {
        setAgents(body.items);
        setAgentType(body.items.find((a) => a.default)?.name || body.items[0]?.name || "");
      })
      .catch(() => setAgents([]));
  }, [api]);

  const chat = useChat({
    api,
    live,
    conversationId,
    onConversationStarted: useCallback((id) => {
      setConversationId(id);
      setUrl(id);
    }, []),
    onActivity: conversations.refresh,
    onSignedOut: useCallback(() => setUser(null), [setUser]),
    draftStore,
  });

  const open = (id) => {
    setConversationId(id);
    setUrl(id);
    setSidebarOpen(false);
  };
  const startNew = () => {
    setConversationId(null);
    setUrl(null);
    setSidebarOpen(false);
  };
  const remove = async (id) => {
    await conversations.remove(id);
    if (id === conversationId) startNew();
  };
  const rename = async (id, title) => {
    await conversations.rename(id, title);
    if (id === conversationId) chat.refreshDetails(); // the header shows the new title
  };

  return (
    <div className="layout">
      <h1 className="sr-only">Chat</h1>
      <Sidebar
        conversations={{ ...conversations, remove, rename }}
        search={search}
        selectedId={conversationId}
        open={sidebarOpen}
        inert={narrow && !sidebarOpen}
        drawerRef={drawer}
        onClose={closeDrawer}
        onOpen={open}
        onNew={startNew}
        user={user}
        onSignOut={async () => {
          await auth.signOut();
          setUser(null);
        }}
      />
      {narrow && sidebarOpen && <div className="scrim" onClick={closeDrawer} aria-hidden="true" />}
      <ChatInterface
        menuButton={menuButton}
        notice={conversations.notice}
        onDismissNotice={conversations.dismissNotice}
        undoable={conversations.undoable}
        onUndoDelete={(id) => {
          conversations.undoDelete(id);
          open(id);
        }}
        chat={chat}
        liveStatus={liveStatus}
        agents={agents}
        agentType={agentType}
        onAgentTypeChange={setAgentType}
        onOpenSidebar={() => setSidebarOpen(true)}
        onExport={(format) => exportFile(api, conversationId, format).then(download)}
        onRate={(seq, feedback) => api.rateReply(conversationId, seq, feedback)}
        onVersion={(seq, version) => api.messageVersion(conversationId, seq, version)}
      />
    </div>
  );
}

export function App() {
  const [user, setUser] = useState(undefined);
  const [problem, setProblem] = useState(null);
  useEffect(() => {
    auth.restore().then(setUser, () => setUser(null));
  }, []);
  if (user === undefined) return <p className="status">Loading…</p>;
  if (!user) {
    return (
      <SignIn
        problem={problem}
        onSignIn={async (name) => {
          try {
            setUser(await auth.signIn(name));
            setProblem(null);
          } catch (failure) {
            setProblem(failure.message);
          }
        }}
      />
    );
  }
  return <SignedIn user={user} setUser={setUser} />;
}
