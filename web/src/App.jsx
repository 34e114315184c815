// The app: sign-in gate, sidebar, and the open conversation (its id lives in the URL).
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { ChatInterface } from "./components/ChatInterface.jsx";
import { Sidebar } from "./components/Sidebar.jsx";
import { SignIn } from "./components/SignIn.jsx";
import { config } from "./config.js";
import { useChat } from "./hooks/useChat.js";
import { useConversations } from "./hooks/useConversations.js";
import { auth } from "./services/auth.js";
import { createChatApi } from "./services/chat_api.js";
import { createLiveConnection } from "./services/live.js";

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
  const [agents, setAgents] = useState([]);
  const [agentType, setAgentType] = useState("");
  const conversations = useConversations(api);

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

  return (
    <div className="layout">
      <Sidebar
        conversations={{ ...conversations, remove }}
        selectedId={conversationId}
        open={sidebarOpen}
        onClose={() => setSidebarOpen(false)}
        onOpen={open}
        onNew={startNew}
        user={user}
        onSignOut={async () => {
          await auth.signOut();
          setUser(null);
        }}
      />
      <ChatInterface
        chat={chat}
        liveStatus={liveStatus}
        agents={agents}
        agentType={agentType}
        onAgentTypeChange={setAgentType}
        onOpenSidebar={() => setSidebarOpen(true)}
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
